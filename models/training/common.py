"""Data loading, splits, metrics and raw-tensor IO shared by the training scripts."""
import csv
import json
import os

import numpy as np
import torch

import preprocess as pp


class Dataset:
    """labels.csv from `mrics phantom export-training` (or the same columns from real labelled studies)."""

    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "labels.csv"), newline="") as f:
            self.rows = list(csv.DictReader(f))
        for r in self.rows:
            r["grade"] = int(r["grade"])
            r["box"] = tuple(int(r[k]) for k in ("roi_x0", "roi_y0", "roi_x1", "roi_y1"))
        self._cache = {}

    def image(self, row):
        f = row["file"]
        if f not in self._cache:
            self._cache[f] = pp.load_pgm(os.path.join(self.root, f))
        return self._cache[f]

    def split(self, name):
        return [r for r in self.rows if r["split"] == name]


def cohen_kappa(y_true, y_pred, k):
    """Unweighted Cohen's kappa for k classes."""
    m = np.zeros((k, k))
    for t, p in zip(y_true, y_pred):
        m[t, p] += 1
    n = m.sum()
    po = np.trace(m) / n
    pe = (m.sum(0) * m.sum(1)).sum() / (n * n)
    return float((po - pe) / (1 - pe)) if pe < 1 else 1.0


def classification_metrics(y_true, y_pred):
    y_true, y_pred = list(y_true), list(y_pred)
    bt = [int(t > 0) for t in y_true]
    bp = [int(p > 0) for p in y_pred]
    return {
        "n": len(y_true),
        "accuracy": float(np.mean(np.array(y_true) == np.array(y_pred))),
        "kappa3": cohen_kappa(y_true, y_pred, 3),
        "kappaBinary": cohen_kappa(bt, bp, 2),
        "confusion": np.bincount(np.array(y_true) * 3 + np.array(y_pred), minlength=9).reshape(3, 3).tolist(),
    }


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def write_f32(path, tensor):
    """Raw little-endian float32 (the golden-vector format read by ModelVerifier)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.ascontiguousarray(tensor.detach().cpu().numpy().astype("<f4")).tofile(path)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


class PackedDataset:
    """The same rows and images from a pack (pack.py): ROI crops with margin for classifiers, or whole images for the detector."""

    def __init__(self, path):
        z = np.load(path)
        self._data, self._offsets, self._shapes = z["data"], z["offsets"], z["shapes"]
        self.rows = []
        for i in range(len(self._offsets)):
            self.rows.append({"index": i, "file": str(z["files"][i]), "grade": int(z["grades"][i]),
                              "split": str(z["splits"][i]), "box": tuple(int(v) for v in z["boxes"][i])})

    def image(self, row):
        i = row["index"]
        h, w = self._shapes[i]
        return self._data[self._offsets[i]:self._offsets[i] + h * w].reshape(h, w)

    def split(self, name):
        return [r for r in self.rows if r["split"] == name]


def open_dataset(path):
    return PackedDataset(path) if path.endswith(".npz") else Dataset(path)
