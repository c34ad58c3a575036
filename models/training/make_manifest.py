"""Writes models/manifest.json from the exported ONNX files and training/metrics/*.json (sha256 computed here)."""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets  # noqa: E402
import preprocess as pp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
DETECTOR_ID = "det-fasterrcnn-mobilenetv3s"
GRADES = {"0": "low: surgery not recommended for now", "1": "medium: conservative treatment first",
          "2": "high: immediate surgery recommended"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def metrics(model_id):
    path = os.path.join(HERE, "metrics", f"{model_id}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def provenance(m, extra):
    p = {"data": "synthetic phantoms (mrics phantom export-training), not patient data; not the study's weights",
         "seed": m["seed"], "trainSeconds": m["trainSeconds"], "trainImages": m["trainImages"],
         "validation": m["validation"], "test": m["test"]}
    p.update(extra)
    return p


def golden(model_id, m):
    outs = {name: {"file": f"golden/{model_id}/{name}.bin", "shape": shape} for name, shape in m["golden"]["outputs"].items()}
    return {"input": f"golden/{model_id}/input.bin", "inputShape": m["golden"]["inputShape"], "outputs": outs}


def main():
    models, sets = [], []
    dm = metrics(DETECTOR_ID)
    if dm and os.path.exists(os.path.join(MODELS, f"{DETECTOR_ID}.onnx")):
        s = nets.DETECTOR_SIZE
        models.append({
            "id": DETECTOR_ID, "role": "detector", "file": f"{DETECTOR_ID}.onnx",
            "sha256": sha256(os.path.join(MODELS, f"{DETECTOR_ID}.onnx")), "version": "phantom-1",
            "architecture": "Faster R-CNN, MobileNetV3-small FPN backbone, 256-wide box head, 2 classes (torchvision)",
            "input": {"name": "image", "shape": [3, s, s], "layout": "CHW", "dtype": "float32"},
            "outputs": ["boxes", "labels", "scores"],
            "preprocessing": {"mode": "resize", "size": s, "scale": "0..1", "channelOrder": "gray replicated to 3 channels"},
            "classMap": {"1": "cervical spinal canal ROI"}, "scoreThreshold": 0.5,
            "golden": golden(DETECTOR_ID, dm),
            "provenance": provenance(dm, {"steps": dm["steps"], "batch": dm["batch"], "optimizer": "AdamW lr 1e-3 wd 1e-4, x0.1 at 75 % of the budget",
                                          "augmentation": "horizontal flip p=0.5, brightness/contrast p=0.5"}),
        })
    classifiers = []
    for cid, (dl, backbone, builder) in nets.CLASSIFIERS.items():
        cm = metrics(cid)
        f = os.path.join(MODELS, f"{cid}.onnx")
        if not cm or not os.path.exists(f):
            continue
        classifiers.append((dl, cid))
        models.append({
            "id": cid, "role": "classifier", "file": f"{cid}.onnx", "sha256": sha256(f), "version": "phantom-1",
            "dlVersion": dl, "backbone": backbone, "architecture": builder if not cm.get("timm") else f"timm {nets.TIMM_NAMES[cid]}",
            "input": {"name": "input", "shape": [-1, 3, cm["size"], cm["size"]], "layout": "NCHW", "dtype": "float32"},
            "outputs": ["logits"],
            "preprocessing": {"mode": "letterbox", "size": cm["size"], "padValue": pp.PAD_VALUE, "scale": "0..1",
                              "mean": list(pp.IMAGENET_MEAN), "std": list(pp.IMAGENET_STD), "channelOrder": "RGB (gray replicated)"},
            "classMap": GRADES,
            "golden": golden(cid, cm),
            "provenance": provenance(cm, {"epochsRun": cm["epochsRun"], "bestEpoch": cm["bestEpoch"], "batch": cm["batch"],
                                          "optimizer": "AdamW lr 1e-3 wd 5e-2, ExponentialLR 0.95, SWA from epoch 10 (swa_lr 1e-5)",
                                          "augmentation": "ROI jitter 8 %, horizontal flip p=0.5, brightness/contrast (contrast 0.4) p=0.5",
                                          "loss": "cross-entropy, class weights 1,1,1"}),
        })
    if dm:
        for dl, cid in sorted(classifiers):
            sets.append({"id": f"dl-v{dl}", "detector": DETECTOR_ID, "classifiers": [cid]})
        if len(classifiers) > 1:
            sets.append({"id": "ensemble", "detector": DETECTOR_ID, "classifiers": [c for _, c in sorted(classifiers)]})
    manifest = {"schemaVersion": 1,
                "note": "Demo model set trained on synthetic phantoms with the study's recipe. Not the study's weights. "
                        "For demonstration and testing only, not for clinical use. See MODEL_CARD.md.",
                "models": models, "modelSets": sets}
    with open(os.path.join(MODELS, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"manifest: {len(models)} models, {len(sets)} sets")


if __name__ == "__main__":
    main()
