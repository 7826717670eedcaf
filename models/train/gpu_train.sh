#!/usr/bin/env bash
# One training run on the GPU machine of the `device` tool, as one command that fits its 10-minute limit.
# The data comes from the training pack, built here first (../shared does not travel):
#
#   /usr/bin/python3 models/train/gpu_pack.py detector      # or: reader (writes .pack/MODEL, git-ignored)
#   device run, carry [".pack/detector"], timeout_s 600:
#     bash models/train/gpu_train.sh detector 7 [more train.py flags, e.g. --init-onnx models/plate-detector.onnx]
#
# MINUTES is the training budget (the LR schedule follows it: detector --time-limit, reader --max-minutes);
# leave 2-3 minutes of the 10 for start-up (the pack is decoded and the reader's synthetic pool is rendered
# there) and the export. Everything worth keeping lands in $OUT: the ONNX export with its manifest entry
# (manifest.json), the run's metrics (last_export.json / summary.json) and the log. Back here, copy the export
# into models/, merge its manifest entry, and judge it as MODEL_CARD.md describes (detector: refit the
# calibration with scripts/calibrate-detector.ts first).
set -euo pipefail
model=${1:?usage: gpu_train.sh detector|reader MINUTES [train.py flags]}
minutes=${2:?usage: gpu_train.sh detector|reader MINUTES [train.py flags]}
shift 2
out=${OUT:-/tmp/gpu-train-out}
mkdir -p "$out"
pack=.pack/$model
[ -d "$pack/datasets" ] || { echo "no $pack: build it with models/train/gpu_pack.py $model and carry it" >&2; exit 2; }
export PLATEWISE_DATASETS=$pack/datasets PLATEWISE_FONTS=$pack/fonts PYTHONUNBUFFERED=1
workers=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))
device=${DEVICE:-cuda}  # DEVICE=cpu PYTHON=/usr/bin/python3: a smoke test of the script and the pack here
py=${PYTHON:-python3}
"$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
case $model in
  detector)
    "$py" models/train/detector/train.py --device "$device" --workers "$workers" --batch 32 --time-limit "$minutes" \
      --epochs 1000 --val-every 4 --out "$out/plate-detector.onnx" --ckpt /tmp/detector-ckpt "$@" 2>&1 | tee "$out/train.log"
    cp models/train/detector/last_export.json "$out/" 2>/dev/null || true
    ;;
  reader)
    "$py" models/train/reader/train.py --device "$device" --threads "$workers" --max-minutes "$minutes" \
      --out "$out/plate-reader.onnx" --ckpt-dir /tmp/reader-ckpt "$@" 2>&1 | tee "$out/train.log"
    cp /tmp/reader-ckpt/summary.json "$out/" 2>/dev/null || true
    ;;
  *)
    echo "unknown model $model (detector | reader)" >&2
    exit 2
    ;;
esac
ls -l "$out"
