#!/usr/bin/env python3
"""Write the plate detector's validation split (data.py: held out from training) as PNG files + boxes.json, so
the engine itself (scripts/calibrate-detector.ts) can score it and fit the dscore calibration.
`--split train --every K` writes every K-th training photo instead: calibration images for int8 quantization
(models/train/quantize.py), which must not be the photos the quantized model is then validated on.

    /usr/bin/python3 models/train/detector/export_val.py OUT_DIR [--split train --every 10]
"""
import argparse
import json
import os
import sys

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--split", choices=("val", "train"), default="val")
    ap.add_argument("--every", type=int, default=1)
    a = ap.parse_args()
    out = a.out
    os.makedirs(out, exist_ok=True)
    items = []
    records = [r for r in data.load_records() if r["split"] == a.split and r["kind"] in ("us", "veh", "ro", "bg")]
    for i, r in enumerate(records[:: a.every]):
        name = f"{i:04d}-{r['kind']}.png"
        cv2.imwrite(os.path.join(out, name), cv2.cvtColor(r["img"], cv2.COLOR_RGB2BGR))
        items.append(dict(file=name, kind=r["kind"], boxes=[[round(float(v), 1) for v in b] for b in r["boxes"]]))
    with open(os.path.join(out, "boxes.json"), "w") as f:
        json.dump(items, f)
    print(f"{len(items)} images, {sum(len(i['boxes']) for i in items)} plates -> {out}")


if __name__ == "__main__":
    main()
