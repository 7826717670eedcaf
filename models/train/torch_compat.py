"""The calls whose defaults differ between Debian's torch 1.13 (CPU training here) and torch 2.x (the GPU
machine): checkpoint loading (2.6 made weights_only=True the default, which refuses the numpy numbers in our
checkpoints' metrics) and ONNX export (2.9 made the dynamo exporter the default; our graphs are made with the
TorchScript-based one, whose output the engine and pixel_input.py are written against)."""
import torch


def read_checkpoint(path):
    """A checkpoint this repo wrote (trusted: never a downloaded file), on the CPU."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def onnx_export(model, args, path, **kw):
    """torch.onnx.export with the TorchScript-based exporter on every torch version."""
    try:
        torch.onnx.export(model, args, path, dynamo=False, **kw)
    except TypeError:  # older torch has no `dynamo` kwarg (the legacy exporter is the default there)
        torch.onnx.export(model, args, path, **kw)
