#!/bin/sh
# Full recipe that produced models/plate-reader.onnx (run from the repository root):
#   sh models/train/reader/train_all.sh
# Stage 1: 18 epochs from scratch (seed 1234). Stage 2: 22 epochs warm-started from stage 1's best epoch,
# fresh synthetic pool (seed 1235) with two-row layouts weighted x2, lower peak LR. Each stage exports its best
# epoch; stage 2 writes models/plate-reader.onnx and the manifest entry.
set -e
PY=/usr/bin/python3
CACHE=models/.cache/reader
$PY models/train/reader/train.py --epochs 18 --seed 1234 --out $CACHE/stage1.onnx --no-manifest
cp $CACHE/best.pt $CACHE/stage1_best.pt
$PY models/train/reader/train.py --init $CACHE/stage1_best.pt --seed 1235 --two-row-boost 2 --lr 1e-3 \
  --epochs 22 --out models/plate-reader.onnx
