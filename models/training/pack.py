"""Packs an export (labels.csv + images/) into compact .npz files to carry to a training machine.

  python3 pack.py --data DIR --out OUTDIR [--detector-train 260 --detector-val 30 --detector-test 80]

classifier.npz: every image's ROI crop with a 12 % margin (boxes relative to the crop); detector.npz: whole
images for a patient-level subset of each split (boxes in image pixels).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MARGIN = 0.12


def save(path, rows, images, boxes):
    shapes = np.array([im.shape for im in images], dtype=np.int64)
    sizes = shapes[:, 0] * shapes[:, 1]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    np.savez_compressed(path, data=np.concatenate([im.ravel() for im in images]), offsets=offsets, shapes=shapes,
                        files=np.array([r["file"] for r in rows]), grades=np.array([r["grade"] for r in rows]),
                        splits=np.array([r["split"] for r in rows]), boxes=np.array(boxes, dtype=np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--detector-train", type=int, default=260)
    ap.add_argument("--detector-val", type=int, default=30)
    ap.add_argument("--detector-test", type=int, default=80)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ds = common.Dataset(a.data)
    crops, boxes = [], []
    for r in ds.rows:
        img = ds.image(r)
        h, w = img.shape
        x0, y0, x1, y1 = r["box"]
        mx, my = int(np.ceil(MARGIN * (x1 - x0))), int(np.ceil(MARGIN * (y1 - y0)))
        cx0, cy0, cx1, cy1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
        crops.append(np.ascontiguousarray(img[cy0:cy1, cx0:cx1]))
        boxes.append((x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0))
    save(os.path.join(a.out, "classifier.npz"), ds.rows, crops, boxes)
    rows = ds.split("train")[:a.detector_train] + ds.split("val")[:a.detector_val] + ds.split("test")[:a.detector_test]
    save(os.path.join(a.out, "detector.npz"), rows, [ds.image(r) for r in rows], [r["box"] for r in rows])
    for f in ("classifier.npz", "detector.npz"):
        print(f, os.path.getsize(os.path.join(a.out, f)) // 1024, "KiB")


if __name__ == "__main__":
    main()
