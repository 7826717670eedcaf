#!/bin/sh
# An int8 copy of a float reader (run from the repository root after npm install; ~1 minute):
#   sh models/train/reader/quantize.sh FLOAT.onnx OUT.onnx
# Calibration crops from the training side (export_calibration.py), activation ranges measured by onnxruntime-node
# on them (global min / max: --batch 600 is one run over all of them), then the QDQ model. The first conv (one
# input channel), the lane projection into the LSTM, the LSTM and the classifier stay float. Measured, not
# shipped (MODEL_CARD.md, stop 23): to judge OUT, put it in a copy of models/ with its sha256 in that copy's
# manifest and run `npm run eval -- DIR --models COPY`.
set -eu
src=${1:?usage: quantize.sh FLOAT.onnx OUT.onnx}
dst=${2:?usage: quantize.sh FLOAT.onnx OUT.onnx}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep="--keep-float /features/features.0/ --keep-float /lanes/ --keep-float /rnn/ --keep-float /fc/"
/usr/bin/python3 models/train/reader/export_calibration.py "$tmp/calib.bin" --n 600
/usr/bin/python3 models/train/quantize.py probe "$src" "$tmp/probe.onnx" $keep
npx tsx scripts/calibrate-quantization.ts "$tmp/probe.onnx" "$tmp/calib.bin" "$tmp/ranges.json" --tensors 1,64,192 \
  --percentile 100 --batch 600
/usr/bin/python3 models/train/quantize.py quantize "$src" "$tmp/ranges.json" "$dst" $keep --weight-bits 8
