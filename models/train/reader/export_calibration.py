#!/usr/bin/env python3
"""Reader inputs for int8 calibration (models/train/quantize.py, scripts/calibrate-quantization.ts): crops drawn
from the training side only (real US and BR training crops, the synthetic training pool), composed as train.py's
evaluation sets are (box + crop margin, stretched to 192x64), a third of them as distant plates. Written as
float32 [N, 1, 64, 192] in [0, 1], the layout models/train/reader/bench_onnx.cjs reads.

    /usr/bin/python3 models/train/reader/export_calibration.py OUT.bin [--n 600]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402

import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=4100)
    a = ap.parse_args()
    rng = np.random.RandomState(a.seed)
    real = T.load_real()
    glyphs = T.ps.load_glyphs(os.path.join(T.DATA, "plate-chars"))
    bgs = T.ps.load_backgrounds(os.path.join(T.DATA, "backgrounds/images"), n=200, seed=a.seed)
    third = a.n // 3
    synth = [T.ps.make_plate(rng, bgs, glyphs)[:2] for _ in range(third)]
    pick = lambda items, k: [items[i] for i in rng.choice(len(items), size=min(k, len(items)), replace=False)]  # noqa: E731
    crops = pick(real["us_train"], third // 2) + pick(real["br_train"], a.n - third - third // 2)
    xs = []
    for k, items in enumerate((crops[: len(crops) // 2], crops[len(crops) // 2:], synth)):
        x, _ = T.make_eval_set(items, a.seed + 1000 * k, bgs, geo=0.5, photo=0.5, distant=(k == 1))
        xs.append(x)
    x = np.concatenate(xs).astype(np.float32)[:, None] / 255.0
    with open(a.out, "wb") as f:
        f.write(np.ascontiguousarray(x).tobytes())
    print(f"{len(x)} reader inputs -> {a.out}")


if __name__ == "__main__":
    main()
