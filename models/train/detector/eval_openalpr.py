#!/usr/bin/env python3
"""REPORT-ONLY sanity check on ../shared/datasets/openalpr-endtoend-dev (the evaluation set).
Never used for training or threshold choice. Detection rate = share of images where a detection above the
manifest's recommended threshold (after NMS 0.45) has IoU >= 0.3 with the labelled plate box.

    /usr/bin/python3 models/train/detector/eval_openalpr.py [--ckpt models/.cache/detector_ckpt/best.pt] [--size 640]
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import PlateDet  # noqa: E402
from train import iou_matrix, predict  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", default=os.path.join(data.ROOT, "models", ".cache", "detector_ckpt", "best.pt"))
    p.add_argument("--sizes", default="640,416")
    p.add_argument("--threshold", type=float, default=None, help="default: manifest recommended_threshold")
    a = p.parse_args()
    torch.set_num_threads(2)
    thr = a.threshold
    if thr is None:
        with open(os.path.join(data.ROOT, "models", "manifest.json")) as f:
            thr = json.load(f)["plate-detector"]["recommended_threshold"]
    net = PlateDet()
    net.load_state_dict(torch.load(a.ckpt, map_location="cpu")["ema"])
    net.eval()
    root = os.path.join(data.DATA, "openalpr-endtoend-dev")
    res = {}
    for size in [int(s) for s in a.sizes.split(",")]:
        for country in ("us", "eu", "br"):
            hit = n = 0
            for txt in sorted(glob.glob(os.path.join(root, country, "*.txt"))):
                line = open(txt).read().strip().split("\t")
                img_path = os.path.join(root, country, line[0])
                x, y, w, h = (float(v) for v in line[1:5])
                im, _ = data._read(img_path)
                d = predict(net, [im], "cpu", size, min_score=thr)[0]
                n += 1
                if len(d) and (iou_matrix(d[:, :4], np.array([[x, y, x + w, y + h]], np.float32)) >= 0.3).any():
                    hit += 1
            res[f"{country}@{size}"] = dict(detected=hit, images=n, rate=round(hit / max(n, 1), 3))
            print(size, country, hit, "/", n, f"{hit / max(n, 1):.3f}", flush=True)
    print(json.dumps(dict(threshold=thr, **res)))


if __name__ == "__main__":
    main()
