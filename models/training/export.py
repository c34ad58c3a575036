"""Exports weights saved by `train.py ... ` (without --export; e.g. trained on a GPU machine) to ONNX + golden vectors.

  python3 export.py --weights DIR --models .. --classifier-data classifier.npz --detector-data detector.npz

Loads every <id>.pt found in DIR strictly (a mismatched weight is an error, never skipped), exports
ONNX opset 13 with named inputs/outputs, writes golden vectors from PyTorch and the metrics JSON.
"""
import argparse
import json
import os
import random
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import nets  # noqa: E402
import train  # noqa: E402


def as_float(state):
    out = type(state)((k, v.float() if v.is_floating_point() else v) for k, v in state.items())
    if hasattr(state, "_metadata"):
        out._metadata = state._metadata
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--classifier-data", required=True)
    ap.add_argument("--detector-data", required=True)
    a = ap.parse_args()
    torch.set_num_threads(2)
    for cid in nets.CLASSIFIERS:
        pt = os.path.join(a.weights, f"{cid}.pt")
        if not os.path.exists(pt):
            continue
        with open(os.path.join(a.weights, f"{cid}.json")) as f:
            metrics = json.load(f)
        model = nets.classifier(cid)
        model.load_state_dict(as_float(torch.load(pt)), strict=True)
        model.eval()
        ds = common.open_dataset(a.classifier_data)
        test = ds.split("test")[:2]
        x = torch.stack([train.classifier_sample(ds, r, metrics["size"], random.Random(0), False) for r in test])
        train.export_classifier(argparse.Namespace(models=a.models, id=cid), model, x, metrics)
    pt = os.path.join(a.weights, "det-fasterrcnn-mobilenetv3s.pt")
    if os.path.exists(pt):
        with open(os.path.join(a.weights, "det-fasterrcnn-mobilenetv3s.json")) as f:
            metrics = json.load(f)
        model = nets.detector()
        model.load_state_dict(as_float(torch.load(pt)), strict=True)
        model.eval()
        ds = common.open_dataset(a.detector_data)
        train.export_detector(argparse.Namespace(models=a.models, id="det-fasterrcnn-mobilenetv3s"), model, ds, ds.split("test"), metrics)
    logs = [f for f in os.listdir(a.weights) if f.endswith(".log")]
    for f in logs:
        shutil.copy(os.path.join(a.weights, f), os.path.join(a.models, "training", "metrics", f))


if __name__ == "__main__":
    main()
