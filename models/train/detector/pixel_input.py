#!/usr/bin/env python3
"""Give an exported detector a raw-pixel input: `pixels` uint8 [1, H, W, 3] (interleaved RGB, as decoded), turned
into the network's `images` float [1, 3, H, W] in [0, 1] by Transpose -> Cast inside the graph, the 1/255 folded
into the first convolution's weights (`fold_pixel_scale`): a Mul over every input element was 4-5 % of the
detector's time at 1280x736 (onnxruntime profile, 1.4-1.8 of ~33 ms), and a convolution is linear, so W.(x/255) =
(W/255).x up to float rounding (the shipped files: scores within 8e-7 and boxes within 5e-4 px of the
unfolded ones on validation photos; MODEL_CARD.md).

The engine then hands over the letterboxed bytes as they are: the per-element conversion it did in JavaScript
(3-12 M floats per pass, ~5 ms per 800x600 photo, the largest cost outside the models) runs in onnxruntime's
native kernels, on a quarter of the memory.

    /usr/bin/python3 models/train/detector/pixel_input.py IN.onnx OUT.onnx   (export_onnx.py applies it too;
    a model that already has the pixel input only gets the scale folded)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PIXELS = "pixels"


def fold_pixel_scale(m, images="images"):
    """Drop the `pixels_to_unit` Mul by scaling the weights of the convolutions that read `images` instead.
    Left as it is when something else reads `images` or a weight is shared."""
    g = m.graph
    mul = next((n for n in g.node if n.op_type == "Mul" and n.output[0] == images and "pixels_scale" in n.input), None)
    if mul is None:
        return m
    readers = [n for n in g.node if images in n.input]
    weights = {t.name: t for t in g.initializer}
    uses = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    if not readers or any(n.op_type != "Conv" or n.input[0] != images or uses.get(n.input[1]) != 1
                          or n.input[1] not in weights for n in readers):
        return m
    scale = float(numpy_helper.to_array(weights["pixels_scale"]))
    for n in readers:
        w = weights[n.input[1]]
        w.CopyFrom(numpy_helper.from_array((numpy_helper.to_array(w) * scale).astype(np.float32), w.name))
    cast = next(n for n in g.node if n.output[0] == mul.input[0])
    cast.output[0] = images
    g.node.remove(mul)
    g.initializer.remove(weights["pixels_scale"])
    onnx.checker.check_model(m)
    return m


def with_pixel_input(m, images="images"):
    g = m.graph
    if any(i.name == PIXELS for i in g.input):
        return fold_pixel_scale(m, images)
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
    return fold_pixel_scale(m, images)


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    onnx.save(with_pixel_input(onnx.load(src)), dst)
    print(f"{src} -> {dst}: input {PIXELS} uint8 [1,H,W,3]")
