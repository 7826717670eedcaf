"""
Static int8 quantization (QDQ) of a shipped ONNX model, for onnxruntime's CPU kernels (QLinearConv, QLinearAdd).

onnxruntime's own quantizer is Python-only and not packaged for Debian, so this writes the QDQ graph with `onnx`
alone, the way onnxruntime.quantization does for CNNs: weights int8 per output channel (symmetric), biases int32 at
input scale x weight scale, activations uint8 per tensor (asymmetric) from ranges measured on calibration images
(scripts/calibrate-quantization.ts), a ReLU folded into the quantization of its producer's output (a zero point at 0
clips negatives, so onnxruntime drops the node). onnxruntime fuses DequantizeLinear -> Conv -> QuantizeLinear into
QLinearConv when the session loads the graph; nodes left out (`--keep-float`, e.g. the detector's output heads) run in float on
the dequantized tensors.

Two steps:
  /usr/bin/python3 models/train/quantize.py probe IN.onnx PROBE.onnx
      IN with every float activation the quantizer may touch added as a graph output (for calibration);
  /usr/bin/python3 models/train/quantize.py quantize IN.onnx RANGES.json OUT.onnx [--keep-float REGEX ...]
      the QDQ model, RANGES.json = {"tensor": [min, max], ...} from the calibration run.
models/train/reader/quantize.sh runs both for the plate reader. Measured and not shipped (MODEL_CARD.md, stop 23):
nothing here writes models/manifest.json.
"""
import argparse
import json
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QUANTIZABLE = {'Conv', 'Add', 'Resize', 'MaxPool'}
# Ops that move values without changing them: their output keeps their input's scale (onnxruntime's QDQ kernels
# for them require it).
SAME_SCALE = {'Resize', 'MaxPool'}
# Post-processing after the network (box decoding, reshapes) stays float: it carries coordinates, not features.
DEFAULT_KEEP_FLOAT = [r'/net/cls/', r'/net/reg/', r'^/(?!net/)']


def consumers(graph):
    out = {}
    for n in graph.node:
        for i in n.input:
            out.setdefault(i, []).append(n)
    return out


def producers(graph):
    return {o: n for n in graph.node for o in n.output}


def quantizable_nodes(graph, keep_float):
    inits = {t.name for t in graph.initializer}
    picked = []
    for n in graph.node:
        if n.op_type not in QUANTIZABLE or any(re.search(p, n.name) for p in keep_float):
            continue
        if n.op_type == 'Add' and any(i in inits for i in n.input):
            continue  # a constant offset, not a residual sum
        picked.append(n)
    return picked


def fold_relus(graph, keep_float):
    """A ReLU whose producer is quantized and feeds nothing else becomes that producer's output."""
    cons = consumers(graph)
    prod = producers(graph)
    picked = {id(n) for n in quantizable_nodes(graph, keep_float) if n.op_type in ('Conv', 'Add')}
    outputs = {o.name for o in graph.output}
    drop = []
    folded = []
    for n in graph.node:
        if n.op_type != 'Relu':
            continue
        src = prod.get(n.input[0])
        if src is None or id(src) not in picked or len(cons.get(n.input[0], [])) != 1 or n.input[0] in outputs:
            continue
        src.output[0] = n.output[0]
        drop.append(n)
        folded.append(n.output[0])
    for n in drop:
        graph.node.remove(n)
    return folded


def activation_tensors(graph, keep_float):
    """The float tensors the quantized nodes read and write (initializers excluded)."""
    inits = {t.name for t in graph.initializer}
    names = []
    for n in quantizable_nodes(graph, keep_float):
        ins = n.input if n.op_type == 'Add' else n.input[:1]
        for t in list(ins) + list(n.output):
            if t and t not in inits and t not in names:
                names.append(t)
    return names


def probe(src, dst, keep_float):
    """The tensors are named as in the quantized graph; the probe keeps the ReLUs, so a folded tensor is
    measured after its ReLU, as the quantized graph computes it."""
    model = onnx.load(src)
    folded = onnx.load(src)
    fold_relus(folded.graph, keep_float)
    have = {o.name for o in model.graph.output}
    for t in activation_tensors(folded.graph, keep_float):
        if t not in have:
            model.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    onnx.save(model, dst)


def uint8_params(lo, hi):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zero = int(np.clip(round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zero)


def quantize(src, ranges_path, dst, keep_float, weight_bits=8):
    model = onnx.load(src)
    graph = model.graph
    folded = set(fold_relus(graph, keep_float))
    ranges = json.load(open(ranges_path))
    inits = {t.name: t for t in graph.initializer}
    act = activation_tensors(graph, keep_float)
    missing = [t for t in act if t not in ranges]
    if missing:
        sys.exit(f'no calibration range for {len(missing)} tensors, e.g. {missing[:3]}')
    outputs = [t for t in act if t in {o.name for o in graph.output}]
    if outputs:
        sys.exit(f'{outputs[0]} is a graph output; quantize only inner tensors')

    new_inits, weight_dqs = [], []
    qdq = {}  # activation -> its QuantizeLinear, DequantizeLinear pair
    params = {}
    prod = producers(graph)
    for t in act:
        p = prod.get(t)
        if p is not None and p.op_type in SAME_SCALE and p.input[0] in params:
            params[t] = params[p.input[0]]
        else:
            lo, hi = ranges[t]
            # A folded ReLU is the zero point at 0: nothing below it may be representable.
            params[t] = uint8_params(0.0 if t in folded else lo, hi)

    cons = consumers(graph)
    for t in act:
        scale, zero = params[t]
        s_name, z_name = f'{t}_scale', f'{t}_zero'
        new_inits += [numpy_helper.from_array(np.array(scale, np.float32), s_name),
                      numpy_helper.from_array(np.array(zero, np.uint8), z_name)]
        q, dq = f'{t}_q', f'{t}_dq'
        qdq[t] = [helper.make_node('QuantizeLinear', [t, s_name, z_name], [q], name=f'{t}_Q'),
                  helper.make_node('DequantizeLinear', [q, s_name, z_name], [dq], name=f'{t}_DQ')]
        for c in cons.get(t, []):
            for k, i in enumerate(c.input):
                if i == t:
                    c.input[k] = dq

    convs = [n for n in quantizable_nodes(graph, keep_float) if n.op_type == 'Conv']
    for n in convs:
        x = n.input[0].removesuffix('_dq')
        in_scale = params[x][0]
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        top = 2 ** (weight_bits - 1) - 1
        w_scale = np.maximum(np.abs(w.reshape(w.shape[0], -1)).max(axis=1), 1e-8) / top
        wq = np.clip(np.round(w / w_scale.reshape(-1, *[1] * (w.ndim - 1))), -top, top).astype(np.int8)
        base = n.input[1]
        new_inits += [numpy_helper.from_array(wq, f'{base}_qw'),
                      numpy_helper.from_array(w_scale.astype(np.float32), f'{base}_qw_scale'),
                      numpy_helper.from_array(np.zeros(w.shape[0], np.int8), f'{base}_qw_zero')]
        weight_dqs.append(helper.make_node('DequantizeLinear', [f'{base}_qw', f'{base}_qw_scale', f'{base}_qw_zero'],
                                          [f'{base}_w_dq'], name=f'{base}_W_DQ', axis=0))
        n.input[1] = f'{base}_w_dq'
        if len(n.input) > 2 and n.input[2]:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
            b_scale = (in_scale * w_scale).astype(np.float32)
            bq = np.round(b / b_scale).astype(np.int32)
            bb = n.input[2]
            new_inits += [numpy_helper.from_array(bq, f'{bb}_qb'),
                          numpy_helper.from_array(b_scale, f'{bb}_qb_scale'),
                          numpy_helper.from_array(np.zeros(w.shape[0], np.int32), f'{bb}_qb_zero')]
            weight_dqs.append(helper.make_node('DequantizeLinear', [f'{bb}_qb', f'{bb}_qb_scale', f'{bb}_qb_zero'],
                                              [f'{bb}_b_dq'], name=f'{bb}_B_DQ', axis=0))
            n.input[2] = f'{bb}_b_dq'

    used = {i for n in graph.node for i in n.input}
    for t in list(graph.initializer):
        if t.name not in used:
            graph.initializer.remove(t)
    graph.initializer.extend(new_inits)
    # Weight DQs first, then each Q/DQ pair right after the node that makes its tensor (a graph input's pair
    # before every node): a valid topological order.
    order = list(graph.node)
    graph.ClearField('node')
    graph.node.extend(weight_dqs)
    for t in act:
        if t not in prod:
            graph.node.extend(qdq[t])
    for n in order:
        graph.node.append(n)
        for o in n.output:
            graph.node.extend(qdq.get(o, []))
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f'{dst}: {len(convs)} convs int8, {len(act)} activations uint8, {len(folded)} ReLUs folded')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('probe')
    p.add_argument('src')
    p.add_argument('dst')
    q = sub.add_parser('quantize')
    q.add_argument('src')
    q.add_argument('ranges')
    q.add_argument('dst')
    for s in (p, q):
        s.add_argument('--keep-float', action='append', default=None,
                       help="regex on node names left in float (default: the plate detector's output heads and box decoding)")
    # x86 CPUs without VNNI multiply u8 x s8 pairs into int16 (vpmaddubsw), which saturates for 8-bit weights
    # (2 x 255 x 127 > 32767); 7-bit weights cannot (onnxruntime's reduce_range). On this VNNI host 8-bit weights
    # read the reader's validation crops exactly as float does, 7-bit ones lose one of 209 BR crops.
    q.add_argument('--weight-bits', type=int, default=8, choices=(7, 8))
    a = ap.parse_args()
    keep = a.keep_float if a.keep_float is not None else DEFAULT_KEEP_FLOAT
    if a.cmd == 'probe':
        probe(a.src, a.dst, keep)
    else:
        quantize(a.src, a.ranges, a.dst, keep, a.weight_bits)


if __name__ == '__main__':
    main()
