"""The study's training recipe on labelled axial slices (phantoms here; real studies the same way).

  python3 train.py classifier --data DIR --models ../ --id cls-mnasnet-small --budget-min 4
  python3 train.py detector   --data DIR --models ../ --budget-min 18

Classifiers: ROI crops (ground-truth box with jitter, as a detector would give) letterboxed with gray
125 padding and ImageNet normalisation; horizontal flip p=0.5 and brightness/contrast (contrast limit 0.4)
p=0.5; cross-entropy (weights 1,1,1); AdamW lr 1e-3, weight decay 5e-2; ExponentialLR gamma 0.95;
SWA (SWALR, swa_lr 1e-5) from epoch 10; mixed precision on a GPU; batch 16 (32 for mobilenetv3);
the checkpoint with the best validation accuracy is kept. Patient-level train/val/test split.
Detector: Faster R-CNN (MobileNetV3 backbone), 2 classes, 448-px input, flip + brightness/contrast.
Each run exports ONNX (opset 13), golden vectors and a metrics JSON, all under --models.
"""
import argparse
import copy
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import nets  # noqa: E402
import preprocess as pp  # noqa: E402


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def limited(args, ds):
    splits = [ds.split(n) for n in ("train", "val", "test")]
    return [s[:args.limit] if args.limit else s for s in splits]


def brightness_contrast(plane, rng, brightness=0.2, contrast=0.4):
    alpha = 1.0 + rng.uniform(-contrast, contrast)
    beta = rng.uniform(-brightness, brightness) * 255.0
    return (plane * alpha + beta).clamp(0, 255)


def jittered_crop(img, box, rng, jitter):
    h, w = img.shape
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if jitter > 0:
        x0 += int(round(rng.uniform(-jitter, jitter) * bw))
        x1 += int(round(rng.uniform(-jitter, jitter) * bw))
        y0 += int(round(rng.uniform(-jitter, jitter) * bh))
        y1 += int(round(rng.uniform(-jitter, jitter) * bh))
    x0, y0 = min(max(x0, 0), w - 2), min(max(y0, 0), h - 2)
    x1, y1 = min(max(x1, x0 + 2), w), min(max(y1, y0 + 2), h)
    return img[y0:y1, x0:x1]


def classifier_sample(ds, row, size, rng, train):
    crop = torch.from_numpy(np.ascontiguousarray(jittered_crop(ds.image(row), row["box"], rng, 0.08 if train else 0.0))).float()
    if train:
        if rng.random() < 0.5:
            crop = crop.flip(1)
        if rng.random() < 0.5:
            crop = brightness_contrast(crop, rng)
    return pp.normalise(pp.letterbox_plane(crop, size))


def evaluate_classifier(model, tensors, labels, device, batch=64):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(tensors), batch):
            preds += model(tensors[i:i + batch].to(device)).argmax(1).cpu().tolist()
    return common.classification_metrics(labels, preds)


def train_classifier(args):
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    ds = common.open_dataset(args.data)
    train, val, test = limited(args, ds)
    fixed = random.Random(0)
    val_x = torch.stack([classifier_sample(ds, r, args.size, fixed, False) for r in val])
    test_x = torch.stack([classifier_sample(ds, r, args.size, fixed, False) for r in test])
    val_y, test_y = [r["grade"] for r in val], [r["grade"] for r in test]
    model = nets.classifier(args.id, use_timm=args.timm).to(device)
    batch = 32 if "mobilenetv3" in args.id else 16
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-2)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    swa_model = torch.optim.swa_utils.AveragedModel(model)
    swa_sched = torch.optim.swa_utils.SWALR(opt, swa_lr=1e-5)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 1.0, 1.0], device=device))
    best, best_state, best_epoch, history = -1.0, None, -1, []
    start, swa_used = time.time(), False
    log(f"{args.id}: {len(train)} train / {len(val)} val / {len(test)} test images, size {args.size}, batch {batch}")
    for epoch in range(args.max_epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        total = 0.0
        for i in range(0, len(order) - batch + 1, batch):
            rows = [train[j] for j in order[i:i + batch]]
            x = torch.stack([classifier_sample(ds, r, args.size, rng, True) for r in rows]).to(device)
            y = torch.tensor([r["grade"] for r in rows], device=device)
            opt.zero_grad()
            with torch.autocast(device_type=device.type, enabled=device.type == "cuda"):
                loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            total += loss.item() * len(rows)
        if epoch >= args.swa_start:
            swa_model.update_parameters(model)
            swa_sched.step()
            swa_used = True
        else:
            sched.step()
        m = evaluate_classifier(model, val_x, val_y, device)
        history.append({"epoch": epoch + 1, "trainLoss": total / len(order), "valAccuracy": m["accuracy"], "valKappa3": m["kappa3"]})
        log(f"{args.id} epoch {epoch + 1}: loss {total / len(order):.4f} val acc {m['accuracy']:.3f} kappa {m['kappa3']:.3f} ({time.time() - start:.0f} s)")
        if m["accuracy"] > best:
            best, best_state, best_epoch = m["accuracy"], copy.deepcopy(model.state_dict()), epoch + 1
        if time.time() - start > args.budget_min * 60:
            log(f"{args.id}: time budget reached after epoch {epoch + 1}")
            break
    epochs_run = len(history)
    if swa_used:
        def loader():
            for i in range(0, len(train), batch):
                yield torch.stack([classifier_sample(ds, r, args.size, rng, True) for r in train[i:i + batch]]).to(device)
        torch.optim.swa_utils.update_bn(loader(), swa_model)
        m = evaluate_classifier(swa_model.module, val_x, val_y, device)
        log(f"{args.id} SWA model: val acc {m['accuracy']:.3f}")
        if m["accuracy"] > best:
            best, best_state, best_epoch = m["accuracy"], copy.deepcopy(swa_model.module.state_dict()), "swa"
    model.load_state_dict(fp16_rounded(best_state))
    model = model.cpu().eval()
    val_m = evaluate_classifier(model, val_x, val_y, torch.device("cpu"))
    test_m = evaluate_classifier(model, test_x, test_y, torch.device("cpu"))
    log(f"{args.id}: best epoch {best_epoch}, val acc {val_m['accuracy']:.3f}, test kappa3 {test_m['kappa3']:.3f} binary {test_m['kappaBinary']:.3f}")
    finish = export_classifier if args.export else save_state
    finish(args, model, test_x[:2], {
        "id": args.id, "size": args.size, "seed": args.seed, "epochsRun": epochs_run, "bestEpoch": best_epoch,
        "batch": batch, "trainImages": len(train), "valImages": len(val), "testImages": len(test),
        "trainSeconds": round(time.time() - start), "timm": args.timm, "validation": val_m, "test": test_m, "history": history,
    })


def fp16_rounded(state):
    """Weights rounded through float16 (what travels back from a training machine), so metrics describe the shipped weights."""
    out = type(state)((k, (v.half().float() if v.is_floating_point() else v).cpu()) for k, v in state.items())
    if hasattr(state, "_metadata"):
        out._metadata = state._metadata  # module versions (mnasnet checks them)
    return out


def save_weights(args, model):
    """<id>.pt: the float16 state dict (exact: the weights were rounded through float16 already). With --export it is
    kept beside <id>.onnx, so the study's PyTorch way can be timed with the same weights (bench inference --study-way)."""
    os.makedirs(args.models, exist_ok=True)
    state = model.state_dict()
    half = type(state)((k, v.half() if v.is_floating_point() else v) for k, v in state.items())
    half._metadata = getattr(state, "_metadata", None)
    torch.save(half, os.path.join(args.models, f"{args.id}.pt"))


def save_state(args, model, _golden, metrics):
    save_weights(args, model)
    common.write_json(os.path.join(args.models, f"{args.id}.json"), metrics)
    log(f"{args.id}: saved weights and metrics to {args.models}")


def export_classifier(args, model, golden_x, metrics):
    save_weights(args, model)
    path = os.path.join(args.models, f"{args.id}.onnx")
    torch.onnx.export(model, golden_x[:1], path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    with torch.no_grad():
        out = model(golden_x)
    common.write_f32(os.path.join(args.models, "golden", args.id, "input.bin"), golden_x)
    common.write_f32(os.path.join(args.models, "golden", args.id, "logits.bin"), out)
    metrics["golden"] = {"inputShape": list(golden_x.shape), "outputs": {"logits": list(out.shape)}}
    common.write_json(os.path.join(args.models, "training", "metrics", f"{args.id}.json"), metrics)
    log(f"{args.id}: exported {path}")


# ---------------------------------------------------------------- detector

def detector_sample(ds, row, rng, train):
    img = ds.image(row)
    h, w = img.shape
    x0, y0, x1, y1 = row["box"]
    plane = torch.from_numpy(np.ascontiguousarray(img)).float()
    if train and rng.random() < 0.5:
        plane = plane.flip(1)
        x0, x1 = w - x1, w - x0
    if train and rng.random() < 0.5:
        plane = brightness_contrast(plane, rng)
    s = nets.DETECTOR_SIZE
    x = (pp.resize(plane, s, s) / 255.0)[None].repeat(3, 1, 1)
    box = torch.tensor([[x0 * s / w, y0 * s / h, x1 * s / w, y1 * s / h]], dtype=torch.float32)
    return x, {"boxes": box, "labels": torch.tensor([1], dtype=torch.int64)}


def evaluate_detector(model, ds, rows, threshold=0.5):
    model.eval()
    device = next(model.parameters()).device
    ious, missing = [], 0
    s = nets.DETECTOR_SIZE
    with torch.no_grad():
        for r in rows:
            img = ds.image(r)
            out = {k: v.cpu() for k, v in model([pp.detector_input(img, s).to(device)])[0].items()}
            keep = out["scores"] >= threshold
            if keep.sum() == 0:
                ious.append(0.0)
                missing += 1
                continue
            best = out["boxes"][out["scores"].argmax()].tolist()
            mapped = pp.map_box(best, s, img.shape[1], img.shape[0])
            ious.append(common.iou(mapped, r["box"]))
    ious = np.array(ious)
    return {"n": len(rows), "meanIoU": float(ious.mean()), "fractionIoU07": float((ious >= 0.7).mean()),
            "fractionIoU05": float((ious >= 0.5).mean()), "noDetection": missing, "threshold": threshold}


def train_detector(args):
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    ds = common.open_dataset(args.data)
    train, val, test = limited(args, ds)
    if args.train_images:
        train = train[:args.train_images]
    val_sub = val[:args.val_images]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nets.detector().to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    start, step, best, best_state, history = time.time(), 0, (-1.0, -1.0), None, []
    budget = args.budget_min * 60
    log(f"detector: {len(train)} train / {len(val_sub)} val images, batch {args.batch}, budget {args.budget_min} min")
    order = []
    while True:
        elapsed = time.time() - start
        if elapsed > budget:
            break
        frac = elapsed / budget
        lr = args.lr * min(1.0, (step + 1) / 50) * (0.1 if frac > 0.75 else 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        if len(order) < args.batch:
            order = list(range(len(train)))
            rng.shuffle(order)
        rows = [train[order.pop()] for _ in range(args.batch)]
        samples = [detector_sample(ds, r, rng, True) for r in rows]
        model.train()
        losses = model([s[0].to(device) for s in samples], [{k: v.to(device) for k, v in s[1].items()} for s in samples])
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 25 == 0:
            log(f"detector step {step}: loss {loss.item():.4f} " + " ".join(f"{k}={v.item():.3f}" for k, v in losses.items()) + f" lr {lr:.1e} ({elapsed:.0f} s)")
        if step % args.eval_every == 0:
            m = evaluate_detector(model, ds, val_sub)
            history.append({"step": step, "seconds": round(time.time() - start), **m})
            log(f"detector step {step}: val IoU>=0.7 {m['fractionIoU07']:.3f} mean IoU {m['meanIoU']:.3f} no-detection {m['noDetection']}")
            key = (m["fractionIoU07"], m["meanIoU"])
            if key > best:
                best, best_state = key, copy.deepcopy(model.state_dict())
    m = evaluate_detector(model, ds, val_sub)
    history.append({"step": step, "seconds": round(time.time() - start), **m})
    if (m["fractionIoU07"], m["meanIoU"]) > best or best_state is None:
        best_state = copy.deepcopy(model.state_dict())
    model.load_state_dict(fp16_rounded(best_state))
    model.eval()
    val_m = evaluate_detector(model, ds, val)
    test_m = evaluate_detector(model, ds, test)
    log(f"detector: val {val_m} test {test_m}")
    finish = export_detector if args.export else (lambda a, m, d, t, met: save_state(a, m, None, met))
    finish(args, model.cpu(), ds, test, {
        "id": args.id, "size": nets.DETECTOR_SIZE, "seed": args.seed, "steps": step, "batch": args.batch,
        "trainImages": len(train), "trainSeconds": round(time.time() - start), "validation": val_m, "test": test_m, "history": history,
    })


def export_detector(args, model, ds, test, metrics):
    save_weights(args, model)
    x = pp.detector_input(ds.image(test[0]), nets.DETECTOR_SIZE)
    path = os.path.join(args.models, f"{args.id}.onnx")
    torch.onnx.export(model, ([x],), path, opset_version=13, input_names=["image"], output_names=["boxes", "labels", "scores"],
                      dynamic_axes={"boxes": {0: "detections"}, "labels": {0: "detections"}, "scores": {0: "detections"}},
                      do_constant_folding=True)
    with torch.no_grad():
        out = model([x])[0]
    gdir = os.path.join(args.models, "golden", args.id)
    common.write_f32(os.path.join(gdir, "input.bin"), x)
    common.write_f32(os.path.join(gdir, "boxes.bin"), out["boxes"])
    common.write_f32(os.path.join(gdir, "labels.bin"), out["labels"].float())
    common.write_f32(os.path.join(gdir, "scores.bin"), out["scores"])
    metrics["golden"] = {"inputShape": list(x.shape), "outputs": {k: list(out[k].shape) for k in ("boxes", "labels", "scores")}}
    common.write_json(os.path.join(args.models, "training", "metrics", f"{args.id}.json"), metrics)
    log(f"detector: exported {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("classifier", "detector"):
        p = sub.add_parser(name)
        p.add_argument("--data", required=True, help="folder with labels.csv and images/ (mrics phantom export-training)")
        p.add_argument("--models", required=True, help="models folder (ONNX, golden/, training/metrics/ are written here)")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--budget-min", type=float, default=10, help="wall-clock budget; training stops after the epoch/step that passes it")
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--export", action="store_true", help="export ONNX + golden vectors here (else save float16 weights + metrics for export.py)")
        p.add_argument("--limit", type=int, default=0, help="smoke test: use only this many rows per split")
    c = sub.choices["classifier"]
    c.add_argument("--id", required=True, choices=sorted(nets.CLASSIFIERS))
    c.add_argument("--size", type=int, default=224, help="letterbox size (the study: 224)")
    c.add_argument("--max-epochs", type=int, default=60)
    c.add_argument("--swa-start", type=int, default=10)
    c.add_argument("--timm", action="store_true", help="use the study's timm backbones (timm must be installed)")
    d = sub.choices["detector"]
    d.add_argument("--id", default="det-fasterrcnn-mobilenetv3s")
    d.add_argument("--batch", type=int, default=4)
    d.add_argument("--lr", type=float, default=1e-3)
    d.add_argument("--train-images", type=int, default=0, help="0 = all training images")
    d.add_argument("--val-images", type=int, default=60)
    d.add_argument("--eval-every", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    (train_classifier if args.cmd == "classifier" else train_detector)(args)


if __name__ == "__main__":
    main()
