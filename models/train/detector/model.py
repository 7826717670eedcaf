"""Tiny anchor-free single-level (stride 8) licence-plate detector.

Backbone: MobileNet-style depthwise-separable convs down to stride 32, a light FPN that fuses
stride 32 -> 16 -> 8, and an FCOS-style head at stride 8 that predicts, per feature-map cell,
one plate score (sigmoid) and the distances (left, top, right, bottom) from the cell centre to the
box edges.  `forward` returns raw maps for training; `ExportWrapper` decodes them to the ONNX
contract [1, N, 5] = x1, y1, x2, y2 (input pixels), score.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDE = 8


def conv_bn(cin, cout, k=3, s=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class DWSep(nn.Module):
    """depthwise kxk (stride s) + BN + ReLU, pointwise 1x1 + BN (+ReLU); residual when shapes match."""

    def __init__(self, cin, cout, s=1, k=3):
        super().__init__()
        self.dw = conv_bn(cin, cin, k, s, groups=cin)
        self.pw = conv_bn(cin, cout, 1, 1, act=False)
        self.res = s == 1 and cin == cout

    def forward(self, x):
        y = self.pw(self.dw(x))
        if self.res:
            y = y + x
        return F.relu(y)


def classifier_body(stem, stages):
    """The small crop classifiers' backbone: a stride-2 3x3 stem to `stem` channels, then per (channels, blocks)
    in `stages` a stride-2 DWSep and blocks-1 more at stride 1, as one flat Sequential."""
    layers, cin = [conv_bn(3, stem, 3, 2)], stem
    for cout, n in stages:
        layers += [DWSep(cin, cout, 2)] + [DWSep(cout, cout) for _ in range(n - 1)]
        cin = cout
    return nn.Sequential(*layers)


def stage(cin, cout, n, k):
    layers = [DWSep(cin, cout, 2, k)]
    layers += [DWSep(cout, cout, 1, k) for _ in range(n - 1)]
    return nn.Sequential(*layers)


class PlateDet(nn.Module):
    """`out_stride` 8 (plates: small objects) or 16 (vehicles: the stride-8 fusion is skipped)."""

    def __init__(self, width=(16, 32, 64, 128, 256), neck=64, out_stride=STRIDE):
        super().__init__()
        assert out_stride in (8, 16)
        self.stride = out_stride
        c0, c1, c2, c3, c4 = width
        self.stem = conv_bn(3, c0, 3, 2)                 # s2
        self.s4 = stage(c0, c1, 2, 3)                    # s4
        self.s8 = stage(c1, c2, 3, 3)                    # s8
        self.s16 = stage(c2, c3, 4, 5)                   # s16
        self.s32 = stage(c3, c4, 3, 5)                   # s32
        self.lat32 = conv_bn(c4, neck, 1)
        self.lat16 = conv_bn(c3, neck, 1)
        self.lat8 = conv_bn(c2, neck, 1)
        self.fuse16 = DWSep(neck, neck, 1, 5)
        self.fuse8 = nn.Sequential(DWSep(neck, neck, 1, 5), DWSep(neck, neck, 1, 3))
        self.cls = nn.Conv2d(neck, 1, 1)
        self.reg = nn.Conv2d(neck, 4, 1)
        nn.init.constant_(self.cls.bias, -4.6)  # prior 0.01
        nn.init.normal_(self.reg.weight, std=0.01)
        nn.init.constant_(self.reg.bias, 0.5)

    def forward(self, x):
        x = self.stem(x)
        x = self.s4(x)
        f8 = self.s8(x)
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        p = self.lat32(f32)
        p = self.fuse16(self.lat16(f16) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        if self.stride == 8:
            p = self.fuse8(self.lat8(f8) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        cls = self.cls(p)                                   # [B,1,h,w] logits
        ltrb = torch.exp(self.reg(p).clamp(-6.0, 6.0)) * self.stride  # [B,4,h,w] pixels
        return cls, ltrb


def cell_centres(feat, stride=STRIDE):
    """x/y pixel centres of the grid cells, built with cumsum so ONNX shapes stay dynamic."""
    ones = torch.ones_like(feat[:, :1])
    xs = (ones.cumsum(3) - 0.5) * stride
    ys = (ones.cumsum(2) - 0.5) * stride
    return xs, ys


def decode(cls, ltrb, stride=STRIDE):
    xs, ys = cell_centres(cls, stride)
    boxes = torch.cat([xs - ltrb[:, 0:1], ys - ltrb[:, 1:2], xs + ltrb[:, 2:3], ys + ltrb[:, 3:4],
                       torch.sigmoid(cls)], 1)             # [B,5,h,w]
    return boxes.flatten(2).permute(0, 2, 1)              # [B,N,5]


class ExportWrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images):
        cls, ltrb = self.net(images)
        return decode(cls, ltrb, self.net.stride)


def load_onnx_weights(net, path):
    """Load an exported detector back into `net` (a PlateDet of the same shape) for fine-tuning when its
    checkpoint is gone. The exporter folds each BatchNorm into its conv, so every BN becomes the identity
    plus the folded bias (mean 0, var 1 - eps) and must stay frozen: call `freeze_bn` after each `train()`.
    ONNX lists the convs in execution order; a traced forward gives PyTorch's."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    nodes = [n for n in m.graph.node if n.op_type == "Conv"]
    order = []
    hooks = [mod.register_forward_hook(lambda mod, i, o: order.append(mod))
             for mod in net.modules() if isinstance(mod, nn.Conv2d)]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, 64, 64))
    for h in hooks:
        h.remove()
    bn_after = {}
    for seq in net.modules():
        if isinstance(seq, nn.Sequential):
            kids = list(seq)
            for a, b in zip(kids, kids[1:]):
                if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                    bn_after[a] = b
    assert len(order) == len(nodes), f"{len(order)} convs in the model, {len(nodes)} in {path}"
    with torch.no_grad():
        for conv, node in zip(order, nodes):
            w, b = init[node.input[1]], init[node.input[2]]
            assert conv.weight.shape == w.shape, (conv.weight.shape, w.shape)
            conv.weight.copy_(w)
            bn = bn_after.get(conv)
            if bn is None:
                conv.bias.copy_(b)
                continue
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    return net


def freeze_bn(net):
    """BatchNorm in inference mode (fixed statistics) while the rest trains."""
    for mod in net.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.eval()
    return net
