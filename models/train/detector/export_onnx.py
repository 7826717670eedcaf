"""Export a trained PlateDet to the ONNX contract: input `pixels` uint8 [1,H,W,3] (pixel_input.py puts the
conversion to the network's float [1,3,H,W] in [0,1] inside the graph), output `detections` [1,N,5]."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from model import ExportWrapper  # noqa: E402
from torch_compat import onnx_export  # noqa: E402
from pixel_input import with_pixel_input  # noqa: E402


def export(net, path, size=640):
    net = net.eval().cpu()
    wrapper = ExportWrapper(net).eval()
    dummy = torch.rand(1, 3, size, size)
    with torch.no_grad():
        onnx_export(
            wrapper, dummy, path, opset_version=17, input_names=["images"], output_names=["detections"],
            dynamic_axes={"images": {2: "height", 3: "width"}, "detections": {1: "num_cells"}},
            do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    import onnx
    m = with_pixel_input(onnx.load(path))
    onnx.save(m, path)
    return m
