#!/usr/bin/env python3
"""Check the exported ONNX reader against the PyTorch checkpoint and time it with onnxruntime-node.

    /usr/bin/python3 models/train/reader/check_onnx.py [--onnx models/plate-reader.onnx] [--ckpt models/.cache/reader/best.pt]

Writes the real US/BR validation crops and the synthetic EU validation set (exactly as train.py evaluates them)
to a temp file, decodes them with onnxruntime-node (models/train/reader/bench_onnx.cjs, single thread) and
compares with the PyTorch greedy decode and the labels. Needs `npm ci` (onnxruntime-node) in the repo root.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402  (re-execs with the OpenBLAS preload, like train.py)

import numpy as np  # noqa: E402
import torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", default=os.path.join(T.REPO, "models/plate-reader.onnx"))
    ap.add_argument("--ckpt", default=os.path.join(T.CACHE, "best.pt"), help="a .pt checkpoint, or an .onnx to read back")
    args = ap.parse_args()
    torch.set_num_threads(1)
    glyphs = T.ps.load_glyphs(os.path.join(T.DATA, "plate-chars"))
    val_bgs = T.validation_backgrounds()
    real = T.load_real()
    sets = {
        "us_real": T.make_eval_set(real["us_val"], 10_000, val_bgs),
        "br_real": T.make_eval_set(real["br_val"], 20_000, val_bgs),
        "eu_synth": T.load_synth_val(600, 777, val_bgs, glyphs, ["EU", "EU", "EU", "UK", "EU2"], "eu"),
        "other_synth": T.load_synth_val(400, 778, val_bgs, glyphs,
                                        ["US", "US2", "BR2", "MERCOSUR", "MERC2", "UK2"], "other"),
    }
    # A weight average (interpolate.py) has no checkpoint: its export, read back into PyTorch, stands in for one.
    if args.ckpt.endswith(".onnx"):
        model = T.load_onnx_weights(args.ckpt)
    elif os.path.exists(args.ckpt):
        model = T.load_checkpoint(args.ckpt)
    else:
        model = T.PlateReader()
    model.eval()
    report = {}
    for name, (xs, labs) in sets.items():
        _, tp = T.evaluate(model, xs, labs, "cpu")
        x = (xs.astype(np.float32) / 255.0)[:, None]
        with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
            f.write(np.ascontiguousarray(x).tobytes())
            fn = f.name
        out = subprocess.run(["node", os.path.join(HERE, "bench_onnx.cjs"), args.onnx, fn], cwd=T.REPO,
                             capture_output=True, text=True, check=True)
        os.unlink(fn)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        op = res["decoded"]
        report[name] = {
            "n": len(labs),
            "onnx_exact": round(float(np.mean([a == b for a, b in zip(op, labs)])), 4),
            "torch_exact": round(float(np.mean([a == b for a, b in zip(tp, labs)])), 4),
            "onnx_vs_torch_agree": round(float(np.mean([a == b for a, b in zip(op, tp)])), 4),
        }
        report["ms_per_crop_b1"] = res["ms_per_crop_b1"]
        report["ms_per_crop_b8"] = res["ms_per_crop_b8"]
        report["output_dims_b8"] = res["output_dims"]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
