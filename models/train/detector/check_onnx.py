#!/usr/bin/env python3
"""Checks the exported ONNX against the contract and against the PyTorch checkpoint, running it in
onnxruntime-node (node_modules of the repo) at 640x640, 416x416 and a non-square 384x640 input.

    /usr/bin/python3 models/train/detector/check_onnx.py --ckpt CKPT_DIR/best.pt [--onnx models/plate-detector.onnx]

CKPT is the training run's --ckpt directory (the MODEL_CARD command of the shipped model names it).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import ExportWrapper, PlateDet  # noqa: E402

NODE = r"""
const ort = require(process.argv[2]); const fs = require('fs');
(async () => {
  const s = await ort.InferenceSession.create(process.argv[3], {intraOpNumThreads: 1});
  const [h, w] = [Number(process.argv[5]), Number(process.argv[6])];
  const buf = fs.readFileSync(process.argv[4]);
  const x = new Uint8Array(buf.buffer, buf.byteOffset, 3 * h * w);
  const o = await s.run({pixels: new ort.Tensor('uint8', x, [1, h, w, 3])});
  fs.writeFileSync(process.argv[4] + '.out', Buffer.from(o.detections.data.buffer));
  console.log(JSON.stringify(o.detections.dims));
})();
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--onnx", default=os.path.join(data.ROOT, "models", "plate-detector.onnx"))
    # No default: a stale default checkpoint once compared the shipped file against an older run.
    p.add_argument("--ckpt", required=True, help="the checkpoint the ONNX file was exported from (best.pt)")
    a = p.parse_args()
    m = onnx.load(a.onnx)
    onnx.checker.check_model(m)
    print("opset", [o.version for o in m.opset_import], "inputs", [(i.name, i.type.tensor_type.elem_type) for i in m.graph.input],
          "outputs", [o.name for o in m.graph.output], "size", os.path.getsize(a.onnx))
    net = PlateDet()
    net.load_state_dict(torch.load(a.ckpt, map_location="cpu")["ema"])
    wrap = ExportWrapper(net).eval()
    ort_path = os.path.join(data.ROOT, "node_modules", "onnxruntime-node")
    rng = np.random.RandomState(0)
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "run.cjs")
        open(js, "w").write(NODE)
        for h, w in ((640, 640), (416, 416), (384, 640)):
            px = rng.randint(0, 256, (1, h, w, 3)).astype(np.uint8)
            x = px.transpose(0, 3, 1, 2).astype(np.float32) / 255
            f = os.path.join(td, "x.bin")
            px.tofile(f)
            dims = subprocess.check_output(["node", js, ort_path, a.onnx, f, str(h), str(w)]).decode().strip()
            y = np.fromfile(f + ".out", np.float32).reshape(1, -1, 5)
            with torch.no_grad():
                ref = wrap(torch.from_numpy(x)).numpy()
            print(f"{h}x{w}: ort dims {dims}, torch {list(ref.shape)}, max |diff| boxes "
                  f"{np.abs(y[..., :4] - ref[..., :4]).max():.4f} px, scores {np.abs(y[..., 4] - ref[..., 4]).max():.2e}")


if __name__ == "__main__":
    main()
