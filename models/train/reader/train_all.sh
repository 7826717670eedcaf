#!/bin/sh
# Full recipe that produced models/plate-reader.onnx (run from the repository root, after npm install):
#   sh models/train/reader/train_all.sh
# Stage 1: 18 epochs from scratch (seed 1234). Stage 2: 22 epochs warm-started from stage 1's best epoch,
# fresh synthetic pool (seed 1235) with two-row layouts weighted x2, lower peak LR. Each stage exports its best
# epoch; stage 2 writes models/plate-reader.onnx and the manifest entry, which stage 5 replaces.
set -e
PY=/usr/bin/python3
CACHE=models/.cache/reader
# Stages 1-3 were trained before label_fixes.csv existed: --no-label-fixes repeats them as they ran.
$PY models/train/reader/train.py --epochs 18 --seed 1234 --out $CACHE/stage1.onnx --no-manifest --no-label-fixes
cp $CACHE/best.pt $CACHE/stage1_best.pt
$PY models/train/reader/train.py --init $CACHE/stage1_best.pt --seed 1235 --two-row-boost 2 --lr 1e-3 \
  --epochs 22 --out models/plate-reader.onnx --no-label-fixes
# Stage 3: fine-tune stage 2 for distant plates in dealer frames, then average it 50/50 with stage 2 (WiSE-FT).
cp models/plate-reader.onnx $CACHE/stage2.onnx
$PY models/train/reader/train.py --init-onnx $CACHE/stage2.onnx --lr 5e-4 --epochs 14 --seed 1240 --frame-p 0.5 \
  --lowres-p 0.55 --us-weight 0.3 --out $CACHE/stage3.onnx --no-manifest --no-label-fixes
$PY models/train/reader/interpolate.py $CACHE/stage2.onnx $CACHE/stage3.onnx --alpha 0.5 --out $CACHE/stage3avg.onnx --no-manifest
# Stage 4 (stop 12): fine-tune stage 3 on the corrected labels (label_fixes.csv), 15 % of samples boxed 1.2-2x
# too wide so plates are still read through a detector box around their frame (MODEL_CARD).
$PY models/train/reader/train.py --init-onnx $CACHE/stage3avg.onnx --frame-p 0.3 --lowres-p 0.5 --loose-p 0.15 \
  --lr 1e-3 --epochs 20 --seed 1291 --threads 2 --out $CACHE/stage4.onnx --no-manifest
# Stage 5 (stop 13): 30 more epochs from stage 4, more distant and framed plates, one thread (~40 min of compute).
$PY models/train/reader/train.py --init-onnx $CACHE/stage4.onnx --frame-p 0.4 --lowres-p 0.6 --loose-p 0.15 \
  --lr 7e-4 --epochs 30 --seed 1302 --threads 1 --out $CACHE/stage5.onnx --no-manifest
# Stage 6 (stop 14): two fine-tunes of stage 5 with emblems between character groups, one without and one with
# stacked plate-type markers at the right end (no marks left of the characters: MODEL_CARD), averaged 50/50.
# Independent: run them side by side, one thread each (~36 min on a 2-core Xeon with OpenBLAS).
for mode in between right; do
  $PY models/train/reader/train.py --init-onnx $CACHE/stage5.onnx --emblems $mode --frame-p 0.4 --lowres-p 0.6 \
    --loose-p 0.15 --lr 5e-4 --epochs 20 --seed 1311 --threads 1 --ckpt-dir $CACHE/em_$mode \
    --out $CACHE/em_$mode/reader.onnx --no-manifest
done
$PY models/train/reader/interpolate.py $CACHE/em_between/reader.onnx $CACHE/em_right/reader.onnx --alpha 0.5 \
  --emblems --out $CACHE/stage6.onnx --no-manifest
# Stage 7 (stop 14): the same pair once more from stage 6, shorter and gentler, averaged again (~26 min side by side).
for mode in between right; do
  $PY models/train/reader/train.py --init-onnx $CACHE/stage6.onnx --emblems $mode --frame-p 0.4 --lowres-p 0.6 \
    --loose-p 0.15 --lr 3e-4 --epochs 12 --seed 1321 --threads 1 --ckpt-dir $CACHE/em2_$mode \
    --out $CACHE/em2_$mode/reader.onnx --no-manifest
done
$PY models/train/reader/interpolate.py $CACHE/em2_between/reader.onnx $CACHE/em2_right/reader.onnx --alpha 0.5 \
  --emblems --out models/plate-reader.onnx
# The export rewrites the manifest entry: measure where this reader puts the characters (engine re-crop).
npx tsx scripts/measure-text-span.ts --write
