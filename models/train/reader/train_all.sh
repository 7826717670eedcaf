#!/bin/sh
# Full recipe that produced models/plate-reader.onnx (run from the repository root, after npm install):
#   sh models/train/reader/train_all.sh
# Stage 1: 18 epochs from scratch (seed 1234). Stage 2: 22 epochs warm-started from stage 1's best epoch,
# fresh synthetic pool (seed 1235) with two-row layouts weighted x2, lower peak LR. Each stage exports its best
# epoch; stage 2 writes models/plate-reader.onnx and the manifest entry, which the last stage replaces.
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
# Stages 6 and 7 (stop 14): a pair of fine-tunes with emblems between character groups, one without and one with
# stacked plate-type markers at the right end (no marks left of the characters: MODEL_CARD), averaged 50/50.
# This script runs the two one after the other; they are independent, so side by side, one thread each, is the
# same (2-core Xeon with OpenBLAS: ~36 min for stage 6, ~26 for 7, side by side).
# emblem_pair INIT LR EPOCHS SEED RUNS_PREFIX OUT [interpolate.py flags]
emblem_pair() {
  for mode in between right; do
    $PY models/train/reader/train.py --init-onnx $1 --emblems $mode --frame-p 0.4 --lowres-p 0.6 --loose-p 0.15 \
      --lr $2 --epochs $3 --seed $4 --threads 1 --ckpt-dir $5_$mode --out $5_$mode/reader.onnx --no-manifest
  done
  runs=$5; out=$6; shift 6
  $PY models/train/reader/interpolate.py ${runs}_between/reader.onnx ${runs}_right/reader.onnx --alpha 0.5 --emblems \
    --out $out "$@"
}
emblem_pair $CACHE/stage5.onnx 5e-4 20 1311 $CACHE/em $CACHE/stage6.onnx --no-manifest
# Stage 7: the same pair once more from stage 6, shorter and gentler.
emblem_pair $CACHE/stage6.onnx 3e-4 12 1321 $CACHE/em2 models/plate-reader.onnx
# The export rewrites the manifest entry: measure where this reader puts the characters (engine re-crop).
npx tsx scripts/measure-text-span.ts --write
