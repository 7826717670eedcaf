#!/usr/bin/env python3
"""Give an exported detector a raw-pixel input: `pixels` uint8 [1, H, W, 3] (interleaved RGB, as decoded), turned
into the network's `images` float [1, 3, H, W] in [0, 1] by Transpose -> Cast -> Mul inside the graph.

The engine then hands over the letterboxed bytes as they are: the per-element conversion it did in JavaScript
(3-12 M floats per pass, ~5 ms per 800x600 photo, the largest cost outside the models) runs in onnxruntime's
native kernels, on a quarter of the memory.

    /usr/bin/python3 models/train/detector/pixel_input.py IN.onnx OUT.onnx   (export_onnx.py applies it too)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PIXELS = "pixels"


def with_pixel_input(m, images="images"):
    g = m.graph
    if any(i.name == PIXELS for i in g.input):
        return m
    old = next(i for i in g.input if i.name == images)
    dims = [d.dim_param or d.dim_value for d in old.type.tensor_type.shape.dim]  # [1, 3, H, W]
    g.input.remove(old)
    g.input.insert(0, helper.make_tensor_value_info(PIXELS, TensorProto.UINT8, [dims[0], dims[2], dims[3], dims[1]]))
    g.initializer.append(numpy_helper.from_array(np.array(1 / 255, np.float32), "pixels_scale"))
    pre = [
        helper.make_node("Transpose", [PIXELS], ["pixels_nchw"], perm=[0, 3, 1, 2], name="pixels_to_nchw"),
        helper.make_node("Cast", ["pixels_nchw"], ["pixels_float"], to=TensorProto.FLOAT, name="pixels_to_float"),
        helper.make_node("Mul", ["pixels_float", "pixels_scale"], [images], name="pixels_to_unit"),
    ]
    nodes = pre + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    onnx.save(with_pixel_input(onnx.load(src)), dst)
    print(f"{src} -> {dst}: input {PIXELS} uint8 [1,H,W,3]")
