#!/bin/sh
# Full recipe that produced models/plate-reader.onnx (run from the repository root, after npm install):
#   sh models/train/reader/train_all.sh
# Stage 1: 18 epochs from scratch (seed 1234). Stage 2: 22 epochs warm-started from stage 1's best epoch,
# fresh synthetic pool (seed 1235) with two-row layouts weighted x2, lower peak LR. Each stage exports its best
# epoch; stage 2 writes models/plate-reader.onnx and the manifest entry, which stage 3 replaces.
set -e
PY=/usr/bin/python3
CACHE=models/.cache/reader
$PY models/train/reader/train.py --epochs 18 --seed 1234 --out $CACHE/stage1.onnx --no-manifest
cp $CACHE/best.pt $CACHE/stage1_best.pt
$PY models/train/reader/train.py --init $CACHE/stage1_best.pt --seed 1235 --two-row-boost 2 --lr 1e-3 \
  --epochs 22 --out models/plate-reader.onnx
# Stage 3: fine-tune stage 2 for distant plates in dealer frames, then average it 50/50 with stage 2 (WiSE-FT).
cp models/plate-reader.onnx $CACHE/stage2.onnx
$PY models/train/reader/train.py --init-onnx $CACHE/stage2.onnx --lr 5e-4 --epochs 14 --seed 1240 --frame-p 0.5 \
  --lowres-p 0.55 --us-weight 0.3 --out $CACHE/stage3.onnx --no-manifest
$PY models/train/reader/interpolate.py $CACHE/stage2.onnx $CACHE/stage3.onnx --alpha 0.5 --out models/plate-reader.onnx
# The export rewrites the manifest entry: measure where this reader puts the characters (engine re-crop).
npx tsx scripts/measure-text-span.ts --write
