"""Preprocessing parity cases for the C# side (tests/MriCs.Inference.Tests/PreprocessingGoldenTests.cs).

  python3 golden_preproc.py --data classifier.npz|export-dir --models ..

Writes models/golden/preproc/cases.json and raw files: the 8-bit image, the detector tensor
[3,S,S], a detector-grid box with its mapping to the image, and the classifier tensor [3,S,S]
of the mapped crop. Sizes differ from the deployed ones on purpose (the functions take the size).
"""
import argparse
import os
import random
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import preprocess as pp  # noqa: E402

CASES = [  # (detector size, classifier size, sub-image width, height)
    (64, 224, 120, 90),
    (96, 64, 77, 131),
    (48, 100, 200, 160),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--models", required=True)
    a = ap.parse_args()
    ds = common.open_dataset(a.data)
    rng = random.Random(5)
    out = os.path.join(a.models, "golden", "preproc")
    os.makedirs(out, exist_ok=True)
    cases = []
    for i, (dsz, csz, w, h) in enumerate(CASES):
        img = ds.image(ds.split("test")[i])
        ih, iw = img.shape
        # the crop pack holds small images: tile/slice to the wanted size deterministically
        reps = (h // ih + 1, w // iw + 1)
        sub = np.ascontiguousarray(np.tile(img, reps)[:h, :w])
        box = [rng.uniform(0, dsz * 0.4), rng.uniform(0, dsz * 0.4), rng.uniform(dsz * 0.55, dsz - 0.5), rng.uniform(dsz * 0.6, dsz - 0.5)]
        box = [float(np.float32(v)) for v in box]
        mapped = pp.map_box(box, dsz, w, h)
        crop = sub[mapped[1]:mapped[3], mapped[0]:mapped[2]]
        name = f"case{i}"
        sub.tofile(os.path.join(out, f"{name}.image.u8"))
        common.write_f32(os.path.join(out, f"{name}.detector.f32"), pp.detector_input(sub, dsz))
        common.write_f32(os.path.join(out, f"{name}.classifier.f32"), pp.classifier_input(crop, csz))
        cases.append({"name": name, "width": w, "height": h, "image": f"{name}.image.u8",
                      "detectorSize": dsz, "detectorInput": f"{name}.detector.f32",
                      "box": box, "mappedBox": list(mapped),
                      "classifierSize": csz, "padValue": pp.PAD_VALUE, "mean": list(pp.IMAGENET_MEAN), "std": list(pp.IMAGENET_STD),
                      "classifierInput": f"{name}.classifier.f32"})
    common.write_json(os.path.join(out, "cases.json"), {"note": "written by models/training/golden_preproc.py", "cases": cases})
    print(f"{len(cases)} preprocessing cases in {out}")


if __name__ == "__main__":
    main()
