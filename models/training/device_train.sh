#!/usr/bin/env bash
# Trains all five models in parallel on one GPU machine (16 cores) from packs made by pack.py.
#   device_train.sh PACK_DIR OUT_DIR   -> OUT_DIR/<id>.pt (float16 weights) + meta.tar (metrics JSON + logs)
# Then locally: python3 export.py --weights OUT_DIR --models .. --classifier-data ... --detector-data ...
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pack="$1"; out="$2"; work="$(mktemp -d)"
export PYTHONUNBUFFERED=1
py="${PY:-python3}"
size="${CLS_SIZE:-224}"
$py -c "import torch, torchvision; print('torch', torch.__version__, torchvision.__version__, 'cuda', torch.cuda.is_available())" | tee "$work/env.log"
for id in cls-mnasnet-small cls-mobilenetv3-small-050 cls-efficientnet-b0 cls-resnet10; do
  timeout "${T_MAX:-450}" $py "$here/train.py" classifier --data "$pack/classifier.npz" --models "$work" --id "$id" --size "$size" \
    --budget-min "${B_CLS:-4.5}" --threads 3 --limit "${LIMIT:-0}" > "$work/$id.log" 2>&1 &
done
timeout "${T_MAX:-450}" $py "$here/train.py" detector --data "$pack/detector.npz" --models "$work" --budget-min "${B_DET:-5.5}" \
  --batch 8 --val-images 30 --eval-every 150 --threads 3 --limit "${LIMIT:-0}" > "$work/det-fasterrcnn-mobilenetv3s.log" 2>&1 &
wait
cp "$work"/*.pt "$out"/ 2>/dev/null
(cd "$work" && tar cf "$out/meta.tar" *.json *.log)
ls -la "$out"
tail -n 3 "$work"/*.log
