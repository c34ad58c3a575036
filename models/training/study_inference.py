"""The study's own way of inference, as the baseline for `mrics bench`: PyTorch, one image at a time.

  python3 study_inference.py --data EXPORT_DIR [--weights DIR] [--set dl-v1] [--images 100] [--threads 2]

Per image, as the published test script does: read the image file, resize to 448x448, run the
Faster R-CNN, keep the best box scoring >= 0.1 (the script's call), crop, letterbox to the classifier's input size (224 in the study; manifest.json beside the weights says) with gray
125 and ImageNet normalisation, run the classifier(s) on that one crop. Unlike the script, the box
is mapped back to the original grid before cropping. --weights: float16 state dicts written by
train.py/device_train.sh (<id>.pt); without it the same networks run with random weights, which
times the compute faithfully but grades nothing (kappa is then not printed).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import nets  # noqa: E402
import preprocess as pp  # noqa: E402

SETS = {"dl-v1": ["cls-mnasnet-small"], "dl-v2": ["cls-mobilenetv3-small-050"], "dl-v3": ["cls-efficientnet-b0"],
        "dl-v4": ["cls-resnet10"], "ensemble": list(nets.CLASSIFIERS)}


def load(model, weights, model_id):
    if weights:
        state = torch.load(os.path.join(weights, f"{model_id}.pt"))
        fl = type(state)((k, v.float() if v.is_floating_point() else v) for k, v in state.items())
        if hasattr(state, "_metadata"):
            fl._metadata = state._metadata
        model.load_state_dict(fl, strict=True)  # the study loaded with strict=False; a mismatch must fail
    return model.eval()


def manifest_size(weights, model_id):
    """The classifier's input size from manifest.json beside the weights (the size its ONNX file was exported at)."""
    path = os.path.join(weights or "", "manifest.json")
    if not weights or not os.path.exists(path):
        return None
    with open(path) as f:
        models = json.load(f)["models"]
    return next((m["preprocessing"]["size"] for m in models if m["id"] == model_id), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights")
    ap.add_argument("--set", default="dl-v1", choices=sorted(SETS))
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=None,
                    help="classifier input size; default: each classifier's size from manifest.json beside the weights, else 224")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the study ran its script on a GPU)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    ds = common.Dataset(a.data)
    rows = ds.split("test")[:a.images]
    detector = load(nets.detector(), a.weights, "det-fasterrcnn-mobilenetv3s").to(dev)
    classifiers = [load(nets.classifier(c), a.weights, c).to(dev) for c in SETS[a.set]]
    sizes = [a.size or manifest_size(a.weights, c) or 224 for c in SETS[a.set]]
    truth, pred, times = [], [], []
    with torch.no_grad():
        for i, r in enumerate(rows):
            t0 = time.perf_counter()
            img = pp.load_pgm(os.path.join(ds.root, r["file"]))
            out = detector([pp.detector_input(img, nets.DETECTOR_SIZE).to(dev)])[0]
            keep = out["scores"] >= 0.1
            if keep.sum() > 0:
                box = out["boxes"][out["scores"].argmax()].tolist()
                x0, y0, x1, y1 = pp.map_box(box, nets.DETECTOR_SIZE, img.shape[1], img.shape[0])
                if x1 - x0 >= 2 and y1 - y0 >= 2:
                    crop = img[y0:y1, x0:x1]
                    xs = {n: pp.classifier_input(crop, n)[None].to(dev) for n in set(sizes)}
                    probs = torch.stack([torch.softmax(c(xs[n]), 1)[0] for c, n in zip(classifiers, sizes)]).mean(0)
                    truth.append(r["grade"])
                    pred.append(int(probs.argmax()))
            if dev.type == "cuda":
                torch.cuda.synchronize()
            if i > 0:  # the first image pays for initialisation
                times.append(time.perf_counter() - t0)
    ms = 1000 * np.array(times)
    print(f"study-style PyTorch inference, set {a.set}, {len(rows)} images, {a.threads} threads, {a.device}: "
          f"mean {ms.mean():.1f} ms/image, p50 {np.percentile(ms, 50):.1f}, p95 {np.percentile(ms, 95):.1f}, {1000 / ms.mean():.2f} images/s")
    if a.weights and truth:
        m = common.classification_metrics(truth, pred)
        print(f"graded {len(truth)}/{len(rows)}: kappa3 {m['kappa3']:.3f} binary {m['kappaBinary']:.3f}")


if __name__ == "__main__":
    main()
