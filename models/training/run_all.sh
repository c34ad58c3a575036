#!/usr/bin/env bash
# Trains the demo model set on this machine (2 CPU cores, ~50 min) from a phantom export.
#   models/training/run_all.sh DATA_DIR   (DATA_DIR from: ./mrics phantom export-training --out DATA_DIR --patients 500 --seed 20261127)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="$1"
models="$(dirname "$here")"
py=/usr/bin/python3
size="${CLS_SIZE:-128}"
$py "$here/train.py" classifier --data "$data" --models "$models" --id cls-mobilenetv3-small-050 --size "$size" --budget-min "${B_MBV3:-3}" --export
$py "$here/make_manifest.py"
$py "$here/train.py" classifier --data "$data" --models "$models" --id cls-mnasnet-small --size "$size" --budget-min "${B_MNAS:-4}" --export
$py "$here/make_manifest.py"
$py "$here/train.py" detector --data "$data" --models "$models" --budget-min "${B_DET:-17}" --export
$py "$here/make_manifest.py"
$py "$here/train.py" classifier --data "$data" --models "$models" --id cls-resnet10 --size "$size" --budget-min "${B_RES:-6}" --export
$py "$here/make_manifest.py"
$py "$here/train.py" classifier --data "$data" --models "$models" --id cls-efficientnet-b0 --size "$size" --budget-min "${B_EFF:-9}" --export
$py "$here/make_manifest.py"
echo "run_all: done"
