#!/usr/bin/env python3
"""List the real plate crops whose label the reader disagrees with, as contact sheets for a person to check.

    /usr/bin/python3 models/train/reader/audit_labels.py --out /tmp/label-audit [--model models/plate-reader.onnx]

Every real crop of `us-plate-crops` and `br-plate-crops` (train and held-out) is read by the given model, as the
validation sets read it (train.make_eval_set: the box plus the crop margin, no augmentation), under three
different photo backgrounds. A crop is listed when any of the reads differs from its label (the label as
training sees it, label_fixes.csv applied, unless --raw). The sheets show the crop as stored, the label and
the reads; what a person confirms goes into `label_fixes.csv` (train.py applies it). The model only
nominates: nothing is relabelled from its reads.
Writes OUT/sheet-NN.png and OUT/flagged.csv (key, dataset, file, label, reads).
"""
import argparse
import csv
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402

PER_SHEET = 24
COLUMNS = 3
CELL_W, CELL_H, TEXT_H = 300, 110, 26


def cell(path, text):
    im = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    s = min(CELL_W / im.shape[1], (CELL_H - TEXT_H) / im.shape[0])
    im = cv2.resize(im, (max(1, int(im.shape[1] * s)), max(1, int(im.shape[0] * s))), interpolation=cv2.INTER_AREA)
    out = np.full((CELL_H, CELL_W), 255, np.uint8)
    out[:im.shape[0], :im.shape[1]] = im
    cv2.putText(out, text, (4, CELL_H - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 0, 1, cv2.LINE_AA)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default=os.path.join(train.REPO, "models/plate-reader.onnx"))
    ap.add_argument("--raw", action="store_true", help="audit the datasets' own labels, ignoring label_fixes.csv")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = train.load_onnx_weights(args.model).eval()
    real = train.load_real(apply_fixes=not args.raw)
    bgs = train.validation_backgrounds()
    folders = {"us": "us-plate-crops", "br": "br-plate-crops"}
    flagged = []
    for key in ("us_train", "us_val", "br_train", "br_val"):
        items = real[key]
        reads = [train.evaluate(model, *train.make_eval_set(items, seed, bgs), "cpu")[1] for seed in (20_000, 21_000, 22_000)]
        for i, it in enumerate(items):
            r = [rd[i] for rd in reads]
            if any(x != it[1] for x in r):
                flagged.append((key, folders[key[:2]], it[2], it[1], "/".join(dict.fromkeys(r))))
        print(key, len(items), "flagged so far", len(flagged), flush=True)
    with open(os.path.join(args.out, "flagged.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["n", "key", "dataset", "file", "label", "reads"])
        for n, row in enumerate(flagged):
            w.writerow([n, *row])
    for s in range(0, len(flagged), PER_SHEET):
        cells = [cell(os.path.join(train.DATA, ds, "images", file), f"{s + k}: {lab} | {rd}")
                 for k, (_, ds, file, lab, rd) in enumerate(flagged[s:s + PER_SHEET])]
        while len(cells) % COLUMNS:
            cells.append(np.full((CELL_H, CELL_W), 255, np.uint8))
        rows = [np.hstack(cells[r:r + COLUMNS]) for r in range(0, len(cells), COLUMNS)]
        cv2.imwrite(os.path.join(args.out, f"sheet-{s // PER_SHEET:02d}.png"), np.vstack(rows))
    print(len(flagged), "crops flagged ->", args.out)


if __name__ == "__main__":
    main()
