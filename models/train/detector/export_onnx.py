"""Export a trained PlateDet to the ONNX contract (input `images` [1,3,H,W], output `detections` [1,N,5])."""
import torch

from model import ExportWrapper


def export(net, path, size=640):
    net = net.eval().cpu()
    wrapper = ExportWrapper(net).eval()
    dummy = torch.rand(1, 3, size, size)
    with torch.no_grad():
        torch.onnx.export(
            wrapper, dummy, path, opset_version=17, input_names=["images"], output_names=["detections"],
            dynamic_axes={"images": {2: "height", 3: "width"}, "detections": {1: "num_cells"}},
            do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m
