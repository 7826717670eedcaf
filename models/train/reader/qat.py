"""Quantization-aware fine-tuning of the reader (train.py --qat RANGES.json): the forward pass rounds what the int8
model (models/train/quantize.py) will round, so training learns weights that survive it.

It mirrors quantize.py's scheme on the convolutions it quantizes: weights int8 per output channel (symmetric, scale
max|w| / 127, recomputed every step), and their input activations uint8 per tensor at the ranges calibrated on the
float model (scripts/calibrate-quantization.ts; a ReLU output's zero point is 0). Gradients pass straight through
the rounding (PyTorch's fake-quantize ops). Weights and state_dict keys stay those of the float model: the hooks
come off before export, and the export is quantized with a fresh calibration as any other reader.
"""
import json
import re

import torch
import torch.nn as nn
import torch.nn.functional as F


def _fq_weight(w):
    scale = (w.detach().abs().flatten(1).amax(dim=1).clamp_min(1e-8) / 127.0).float()
    zero = torch.zeros(w.shape[0], dtype=torch.int32, device=w.device)
    return torch.fake_quantize_per_channel_affine(w, scale, zero, 0, -127, 127)


def add_fake_quant(model, ranges_path):
    """Fake-quantizes model.features as quantize.py does with `--keep-float /features/features.0/ /lanes/ /rnn/
    /fc/`: every feature conv but the first (1-channel input, cheap in float) and the ReLU outputs they read.
    Returns a function that takes the hooks off again."""
    ranges = json.load(open(ranges_path))
    feats = model.features
    handles, patched = [], []
    for name, (lo, hi) in ranges.items():
        m = re.fullmatch(r"/features/features\.(\d+)/Relu_output_0", name)
        if not m:
            continue
        relu = feats[int(m.group(1))]
        assert isinstance(relu, nn.ReLU), name
        scale = max(hi, 1e-6) / 255.0

        def hook(_mod, _inp, out, scale=scale):
            return torch.fake_quantize_per_tensor_affine(out, scale, 0, 0, 255)

        handles.append(relu.register_forward_hook(hook))
    convs = [m for m in feats if isinstance(m, nn.Conv2d)][1:]
    for conv in convs:
        def forward(x, conv=conv):
            return F.conv2d(x, _fq_weight(conv.weight), conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)

        conv.forward = forward
        patched.append(conv)
    assert handles, f"no ReLU ranges in {ranges_path}"

    def remove():
        for h in handles:
            h.remove()
        for conv in patched:
            del conv.forward  # back to the class's forward

    print(f"QAT: {len(convs)} convs, {len(handles)} activations fake-quantized")
    return remove
