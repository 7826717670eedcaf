#!/usr/bin/env python3
"""Train the Platewise licence-plate reader (CRNN + CTC) on CPU and export it to ONNX.

    /usr/bin/python3 models/train/reader/train.py --epochs 30 --out models/plate-reader.onnx

Run from the repository root. Data comes from ../shared/datasets (read-only):
  us-plate-crops (real US), br-plate-crops (real + rendered BR), plate-chars (glyph collages),
  backgrounds (compositing). openalpr-endtoend-dev is NEVER read here (evaluation only).
Synthetic plates come from models/train/synth/platesynth.py (seeded pool cached in models/.cache/reader/).

ONNX contract: input `images` float32 [B,1,64,192] grey in [0,1] (plate box + CROP_MARGIN per side, stretched),
output `logits` float32 [B,48,37] log-softmax, class 0 = CTC blank, 1..36 = 0-9A-Z.
"""
import argparse
import copy
import csv
import hashlib
import json
import math
import os
import pickle
import sys
import time

# Debian's torch links the reference BLAS (very slow LSTM/Linear). If the single-threaded OpenBLAS build is
# installed (apt-get install libopenblas0-serial) preload it for this process only (no system-wide switch).
_OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-serial/libblas.so.3"
if (os.path.exists(_OPENBLAS) and _OPENBLAS not in os.environ.get("LD_PRELOAD", "")
        and not os.environ.get("READER_NO_PRELOAD")):
    os.environ["LD_PRELOAD"] = ":".join(x for x in [_OPENBLAS, os.environ.get("LD_PRELOAD", "")] if x)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.execv(sys.executable, [sys.executable] + sys.argv)

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "../../.."))
sys.path.insert(0, os.path.join(REPO, "models/train/synth"))
sys.path.insert(0, os.path.join(REPO, "models/train"))
import platesynth as ps  # noqa: E402
from manifest import file_sha256, update_manifest_entry  # noqa: E402
import datapaths  # noqa: E402
from torch_compat import onnx_export, read_checkpoint  # noqa: E402
from qat import add_fake_quant  # noqa: E402

ALPHABET = ps.ALPHABET
DATA = datapaths.DATASETS  # ../shared/datasets, or a training pack (datapaths.py)
CACHE = os.path.join(REPO, "models/.cache", "reader" + datapaths.cache_tag())
H, W = ps.OUT_H, ps.OUT_W


# ------------------------------------------------------------------ model

def cbr(i, o, bn=True, stride=1):
    if not bn:  # BatchNorm already folded into the conv (a model read back from its ONNX export)
        return [nn.Conv2d(i, o, 3, stride, 1, bias=True), nn.ReLU(inplace=True)]
    return [nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class PlateReader(nn.Module):
    """CNN (64x192 -> 96x8x24) -> two 'lanes' (full-height projections: top row / bottom row or single row)
    concatenated into a 48-step sequence -> BiLSTM -> 37-way log-softmax per step.
    Lane 0 (steps 0..23) reads the top (or only) row, lane 1 (steps 24..47) the bottom row of two-row plates,
    so a CTC greedy decode over the 48 steps yields top row then bottom row."""

    def __init__(self, nclass=len(ALPHABET) + 1, c=(16, 32, 64, 96), lane_dim=128, hidden=96, bn=True):
        super().__init__()
        self.arch = dict(c=tuple(c), lane_dim=lane_dim, hidden=hidden)
        self.features = nn.Sequential(
            *cbr(1, c[0], bn, stride=2),  # 32x96
            *cbr(c[0], c[1], bn), nn.MaxPool2d(2),  # 16x48
            *cbr(c[1], c[2], bn), *cbr(c[2], c[2], bn), nn.MaxPool2d(2),  # 8x24
            *cbr(c[2], c[3], bn), *cbr(c[3], c[3], bn),  # 8x24
        )
        self.lane_dim = lane_dim
        self.lanes = nn.Conv2d(c[3], 2 * lane_dim, kernel_size=(H // 8, 1))  # -> [B, 2*lane_dim, 1, 24]
        self.drop = nn.Dropout(0.15)
        self.rnn = nn.LSTM(lane_dim, hidden, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hidden, nclass)

    def forward(self, x):
        f = self.features(x)
        l = F.relu(self.lanes(f))  # B, 2*D, 1, 24
        l = l.reshape(-1, 2, self.lane_dim, W // 8)  # B, 2, D, 24
        l = l.permute(0, 1, 3, 2).reshape(-1, 2 * (W // 8), self.lane_dim)  # B, 48, D
        y, _ = self.rnn(self.drop(l))
        return F.log_softmax(self.fc(y), dim=-1)  # B, 48, C


T_STEPS = 2 * (W // 8)


def arch_of(conv_out_channels, lane_out, hidden):
    """PlateReader's size arguments from its layers' widths (the six feature convs, the lane conv, the LSTM), so
    a model read back from a file needs no record of how wide it was built."""
    c = conv_out_channels
    assert len(c) == 6 and c[2] == c[3] and c[4] == c[5], c
    return dict(c=(c[0], c[1], c[2], c[4]), lane_dim=lane_out // 2, hidden=hidden)


def grow(model, c, lane_dim, hidden, seed):
    """A wider copy of a (BatchNorm-folded) reader that computes exactly what the narrower one does (Net2Net,
    Chen et al. 2016, in its zero-init form): added conv channels, lane units and LSTM units get fresh random
    weights, and every weight from an added unit into one the old model had is zero, as are the output layer's
    weights from added LSTM units. Outputs are unchanged at the start, so fine-tuning can put the new capacity to
    use without first losing what the old weights know."""
    old = model.arch
    assert all(n >= o for n, o in zip(c, old["c"])) and lane_dim >= old["lane_dim"] and hidden >= old["hidden"]
    torch.manual_seed(seed)
    big = PlateReader(c=c, lane_dim=lane_dim, hidden=hidden, bn=False)
    sd_old, sd = model.state_dict(), big.state_dict()
    new = {}
    lo, ln = old["lane_dim"], lane_dim
    for name, mod in model.named_modules():
        if not isinstance(mod, nn.Conv2d):
            continue
        w_old, b_old = sd_old[f"{name}.weight"], sd_old[f"{name}.bias"]
        w, b = sd[f"{name}.weight"].clone(), sd[f"{name}.bias"].clone()
        i = w_old.shape[1]
        # the lane conv's outputs are two lanes of lane_dim channels: each old lane keeps its place in its lane
        pairs = ([(slice(k * ln, k * ln + lo), slice(k * lo, (k + 1) * lo)) for k in range(2)] if name == "lanes"
                 else [(slice(0, w_old.shape[0]), slice(0, w_old.shape[0]))])
        for rows, orows in pairs:
            w[rows] = 0
            w[rows, :i] = w_old[orows]
            b[rows] = b_old[orows]
        new[f"{name}.weight"], new[f"{name}.bias"] = w, b
    ho, hn = old["hidden"], hidden
    for sfx in ("", "_reverse"):
        t = {k: sd[f"rnn.{k}_l0{sfx}"].clone() for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        for g in range(4):  # gate blocks i,f,g,o, each `hidden` rows: the old units first in each block
            rows, orows = slice(g * hn, g * hn + ho), slice(g * ho, (g + 1) * ho)
            for k, cols in (("weight_ih", lo), ("weight_hh", ho)):
                t[k][rows] = 0
                t[k][rows, :cols] = sd_old[f"rnn.{k}_l0{sfx}"][orows]
            for k in ("bias_ih", "bias_hh"):
                t[k][rows] = sd_old[f"rnn.{k}_l0{sfx}"][orows]
        new.update({f"rnn.{k}_l0{sfx}": v for k, v in t.items()})
    fc_w = torch.zeros_like(sd["fc.weight"])
    fc_w[:, :ho] = sd_old["fc.weight"][:, :ho]  # forward direction, then backward
    fc_w[:, hn:hn + ho] = sd_old["fc.weight"][:, ho:]
    new["fc.weight"], new["fc.bias"] = fc_w, sd_old["fc.bias"].clone()
    big.load_state_dict(new)
    return big


def load_onnx_weights(path):
    """The model an ONNX export was made from, with BatchNorm folded into the convs (the exporter fuses them).
    Only the earlier checkpoints' .pt files keep BatchNorm; this lets a shipped model be fine-tuned when its
    checkpoint is gone. LSTM gates are stored i,o,f,c in ONNX and i,f,g,o in PyTorch."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    lstm = next(n for n in m.graph.node if n.op_type == "LSTM")
    model = PlateReader(bn=False, **arch_of([init[n.input[1]].shape[0] for n in convs[:-1]],
                                            init[convs[-1].input[1]].shape[0], init[lstm.input[2]].shape[2]))
    feature_convs = [mod for mod in model.features if isinstance(mod, nn.Conv2d)]
    sd = model.state_dict()
    for node, mod in zip(convs, feature_convs + [model.lanes]):
        name = next(k for k, v in model.named_modules() if v is mod)
        sd[f"{name}.weight"] = init[node.input[1]]
        sd[f"{name}.bias"] = init[node.input[2]]
    w, r, b = (init[x] for x in lstm.input[1:4])
    hid = r.shape[2]

    def gates(t):  # [4*hid, ...] from i,o,f,c to i,f,c,o
        i, o, f, c = t.split(hid, 0)
        return torch.cat([i, f, c, o], 0)

    for d, suffix in enumerate(["", "_reverse"]):
        sd[f"rnn.weight_ih_l0{suffix}"] = gates(w[d])
        sd[f"rnn.weight_hh_l0{suffix}"] = gates(r[d])
        sd[f"rnn.bias_ih_l0{suffix}"] = gates(b[d][: 4 * hid])
        sd[f"rnn.bias_hh_l0{suffix}"] = gates(b[d][4 * hid:])
    matmul = next(n for n in m.graph.node if n.op_type == "MatMul")
    sd["fc.weight"] = init[matmul.input[1]].t().contiguous()
    sd["fc.bias"] = init["fc.bias"]
    model.load_state_dict(sd)
    return model


def load_checkpoint(path):
    """The model a training checkpoint (.pt) holds. A fine-tune's has no BatchNorm: its start was read back from
    an ONNX export, with BatchNorm folded into the convs."""
    ckpt = read_checkpoint(path)
    sd = ckpt["model"]
    convs = [k for k in sd if k.endswith(".weight") and sd[k].dim() == 4]  # in layer order: features, then lanes
    model = PlateReader(bn=not ckpt.get("args", {}).get("init_onnx"),
                        **arch_of([sd[k].shape[0] for k in convs[:-1]], sd[convs[-1]].shape[0],
                                  sd["rnn.weight_hh_l0"].shape[1]))
    model.load_state_dict(ckpt["model"])
    return model


def greedy_decode(logp):
    """logp [B,T,C] -> list of strings (collapse repeats, drop blanks)."""
    best = logp.argmax(-1).cpu().numpy()
    out = []
    for row in best:
        s, prev = [], 0
        for k in row:
            if k != prev and k != 0:
                s.append(ALPHABET[k - 1])
            prev = k
        out.append("".join(s))
    return out


def encode(label):
    return [ALPHABET.index(c) + 1 for c in label]


# ------------------------------------------------------------------ data

def _hash_split(key, frac=0.1):
    h = int(hashlib.md5(key.encode()).hexdigest()[:8], 16)
    return (h % 1000) < frac * 1000


def _load_img(path):
    im = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    s = min(1.0, 260.0 / im.shape[1], 130.0 / im.shape[0])
    if s < 1:
        im = cv2.resize(im, (max(1, int(im.shape[1] * s)), max(1, int(im.shape[0] * s))), interpolation=cv2.INTER_AREA)
    return im


LABEL_FIXES = os.path.join(HERE, "label_fixes.csv")


def load_label_fixes():
    """{(dataset, file): plate}: labels a person corrected after looking at the crop (audit_labels.py nominates
    them). An empty plate drops the crop (no readable plate in it)."""
    if not os.path.exists(LABEL_FIXES):
        return {}
    with open(LABEL_FIXES) as f:
        return {(r["dataset"], r["file"]): r["plate"] for r in csv.DictReader(f)}


def load_real(apply_fixes=True):
    """Real crops, preloaded once (cached). Validation = ~10 % held out by hash of the plate text
    (BR has several photos of the same plate, so we split by plate, which also splits by file).
    The split hashes the dataset's own label even where label_fixes.csv corrects it, so a correction never
    moves a crop between training and validation (the shipped models were trained on this split)."""
    fixes = load_label_fixes() if apply_fixes else {}
    tag = hashlib.md5(json.dumps(sorted(fixes.items())).encode()).hexdigest()[:8] if fixes else "raw"
    path = os.path.join(CACHE, f"real_v2_{tag}.pkl")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    d = {"us_train": [], "us_val": [], "br_train": [], "br_val": [], "br_rendered": []}
    with open(os.path.join(DATA, "us-plate-crops/labels.csv")) as f:
        for r in csv.DictReader(f):
            lab = ps.label_of(r["plate"])
            fixed = ps.label_of(fixes.get(("us-plate-crops", r["file"]), lab))
            if not lab or not fixed:
                continue
            im = _load_img(os.path.join(DATA, "us-plate-crops/images", r["file"]))
            d["us_val" if _hash_split("us:" + lab) else "us_train"].append((im, fixed, r["file"]))
    with open(os.path.join(DATA, "br-plate-crops/labels.csv")) as f:
        for r in csv.DictReader(f):
            lab = ps.label_of(r["plate"])
            fixed = ps.label_of(fixes.get(("br-plate-crops", r["file"]), lab))
            if not fixed:
                continue
            im = _load_img(os.path.join(DATA, "br-plate-crops/images", r["file"]))
            if r["kind"] == "rendered":
                # rendered plates are never validation; drop any whose text is a held-out real plate
                if not _hash_split("br:" + lab):
                    d["br_rendered"].append((im, fixed, r["file"]))
            else:
                d["br_val" if _hash_split("br:" + lab) else "br_train"].append((im, fixed, r["file"]))
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=4)
    return d


def load_synth_pool(n, seed, bgs, glyphs, tag="train", two_row_boost=1.0, emblems=False):
    boost = "" if two_row_boost == 1.0 else f"_b{two_row_boost:g}"
    mode = ps.emblem_mode(emblems)
    # "all" keeps the name of the pools made before the modes
    em = "" if not mode else "_em2" if mode == "all" else f"_em3{mode[0]}"
    path = os.path.join(CACHE, f"synth_{tag}_v1_s{seed}_n{n}{boost}{em}.pkl")
    weights = ps.kind_weights(two_row_boost)
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    rng = np.random.RandomState(seed)
    t = time.time()
    pool = []
    for i in range(n):
        pool.append(ps.make_plate(rng, bgs, glyphs, weights=weights, emblems=emblems))
        if (i + 1) % 5000 == 0:
            print(f"  synth {tag}: {i + 1}/{n} ({time.time() - t:.0f}s)", flush=True)
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(pool, f, protocol=4)
    return pool


def make_eval_set(items, seed, bgs, geo=0.0, photo=0.0, distant=False):
    """Deterministic eval tensors: plate box + exact CROP_MARGIN, stretched to 192x64; `distant` reads them
    as plates 55-110 px wide in the photo (platesynth.distant), half of them boxed with a dealer frame."""
    xs, labs = [], []
    for i, it in enumerate(items):
        rng = np.random.RandomState(seed + i)
        plate = ps.add_frame(it[0], rng) if distant and i % 2 == 0 else it[0]
        x = ps.compose(plate, rng, bgs, geo=geo, photo=photo)
        xs.append(ps.distant(x, rng) if distant else x)
        labs.append(it[1])
    return np.stack(xs), labs


def load_synth_val(n, seed, bgs, glyphs, kinds, tag, emblems=False):
    path = os.path.join(CACHE, f"synthval_{tag}_v1_s{seed}_n{n}.pkl")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    rng = np.random.RandomState(seed)
    xs, labs = [], []
    for i in range(n):
        g, lab, _ = ps.make_plate(rng, bgs, glyphs, kind=kinds[i % len(kinds)], emblems=emblems)
        # moderate augmentation: realistic but readable
        xs.append(ps.compose(g, rng, bgs, geo=0.7, photo=0.6))
        labs.append(lab)
    out = (np.stack(xs), labs)
    with open(path, "wb") as f:
        pickle.dump(out, f, protocol=4)
    return out


def load_hosts(split="train"):
    """(photo, plate box) pairs of the plate detector's photos (us-plates-yolo, vehicle-plate-yolo,
    ro-dashcam-voc) in its `split`, plates at least 24 px wide: the vehicles `--host-p` draws plates on
    (platesynth.host_canvas) and the plate-style model pastes its crops into. Training uses its training split,
    so the detector's validation photos stay unseen. Loaded by path: detector/ has a train.py of its own."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("detector_data", os.path.join(REPO, "models/train/detector/data.py"))
    data = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.join(REPO, "models/train/detector"))
    spec.loader.exec_module(data)
    hosts = [(r["img"], np.asarray(b, np.float32)) for r in data.load_records()
             if r["kind"] in ("us", "ro", "veh") and (r["split"] == "val") == (split == "val")
             for b in r["boxes"] if b[2] - b[0] >= 24]
    print(f"hosts: {len(hosts)} plates on {split} photos", flush=True)
    return hosts


def validation_backgrounds():
    """The photo backgrounds every validation crop is placed on: a fixed draw of 60 (training draws its own 200)."""
    return ps.load_backgrounds(os.path.join(DATA, "backgrounds/images"), n=60, seed=99)


def validation_sets(real, glyphs, emblems=False):
    """The sets a model is selected on (mean exact match): held-out real US crops, the same as distant plates,
    held-out real BR crops, synthetic EU/UK; with `emblems`, also synthetic EU/US plates generated with emblems
    between character groups (about half the EU ones carry one)."""
    val_bgs = validation_backgrounds()
    sets = {
        "US": make_eval_set(real["us_val"], 10_000, val_bgs),
        "US-distant": make_eval_set(real["us_val"], 30_000, val_bgs, distant=True),
        "BR": make_eval_set(real["br_val"], 20_000, val_bgs),
        "EU-synth": load_synth_val(600, 777, val_bgs, glyphs, ["EU", "EU", "EU", "UK", "EU2"], "eu"),
    }
    if emblems:
        sets["emblem-synth"] = load_synth_val(400, 779, val_bgs, glyphs, ["EU", "EU", "EU", "US"], "emblem2", emblems=True)
    return sets


def other_synth_set(glyphs):
    """Reported, not selected on: US, two-row and Mercosur synthetic plates."""
    val_bgs = validation_backgrounds()
    return load_synth_val(400, 778, val_bgs, glyphs, ["US", "US2", "BR2", "MERCOSUR", "MERC2", "UK2"], "other")


def evaluate(model, xs, labs, device, bs=256):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(xs), bs):
            x = torch.from_numpy(xs[i:i + bs]).float().div_(255).unsqueeze(1).to(device)
            preds += greedy_decode(model(x))
    acc = float(np.mean([p == l for p, l in zip(preds, labs)])) if labs else 0.0
    return acc, preds


# ------------------------------------------------------------------ export

def export_onnx(model, out_path):
    model = copy.deepcopy(model).cpu().eval()
    dummy = torch.zeros(2, 1, H, W)
    kw = dict(input_names=["images"], output_names=["logits"], opset_version=17,
              dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    onnx_export(model, dummy, out_path, **kw)
    import onnx
    m = onnx.load(out_path)
    # the exporter leaves the time axis symbolic (reshape with -1); it is always T_STEPS: make it static
    d = m.graph.output[0].type.tensor_type.shape.dim[1]
    d.Clear()
    d.dim_value = T_STEPS
    onnx.checker.check_model(m)
    onnx.save(m, out_path)
    sha = file_sha256(out_path)
    return sha


def update_manifest(out_path, sha):
    written = update_manifest_entry(out_path, "plate-reader", {
        "input": {"name": "images", "layout": "NCHW", "channels": 1, "height": H, "width": W, "range": [0, 1]},
        "output": {"name": "logits", "format": "ctc_log_softmax", "blank": 0, "alphabet": ALPHABET},
        "crop_margin": ps.CROP_MARGIN,
    })
    assert written == sha, "the exported file changed while the manifest was written"


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", default="models/plate-reader.onnx")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--samples-per-epoch", type=int, default=8000)
    ap.add_argument("--synth-pool", type=int, default=30000)
    ap.add_argument("--synth-frac", type=float, default=0.5)
    ap.add_argument("--two-row-boost", type=float, default=1.0, help="weight multiplier for two-row synthetic kinds")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop early (still exports best) after this long")
    ap.add_argument("--init", default="", help="warm-start from a checkpoint (.pt)")
    ap.add_argument("--init-onnx", default="", help="fine-tune an exported model (BatchNorm stays folded)")
    ap.add_argument("--lowres-p", type=float, default=ps.LOWRES_P, help="share of samples shrunk to a distant plate")
    ap.add_argument("--lowres-min", type=float, default=ps.LOWRES_RANGE[0],
                    help="smallest shrink of those, as a share of the crop width (0.2: plates ~35 px wide in a photo)")
    ap.add_argument("--frame-p", type=float, default=0.0, help="share of US samples given a dealer frame")
    ap.add_argument("--loose-p", type=float, default=0.0, help="share of samples boxed 1.2-2x too wide")
    ap.add_argument("--host-p", type=float, default=0.0,
                    help="share of samples drawn on a real vehicle around its (masked) plate instead of a background")
    ap.add_argument("--us-weight", type=float, default=0.25, help="share of real US crops in a batch (at synth-frac 0.5)")
    ap.add_argument("--emblems", nargs="?", const="all", default=False, choices=ps.EMBLEM_MODES,
                    help="synthetic plates with emblems (platesynth.EMBLEM_MODES; bare: all) and select on "
                         "emblem-synth, made with all of them, too")
    ap.add_argument("--grow", default="", metavar="C0,C1,C2,C3,LANE,HIDDEN",
                    help="widen the --init-onnx model to these sizes first, outputs unchanged (Net2Net, zero-init)")
    ap.add_argument("--export-only", default="", help="export this checkpoint (.pt) and exit")
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--qat", default="", metavar="RANGES.json",
                    help="quantization-aware fine-tune (qat.py) at these calibrated activation ranges")
    ap.add_argument("--ckpt-dir", default=CACHE, help="where best.pt, last.pt and summary.json go: one per run "
                    "when runs go side by side")
    ap.add_argument("--no-label-fixes", action="store_true",
                    help="the datasets' own labels (stages 1-3 of train_all.sh predate label_fixes.csv)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(args.device if (args.device == "cpu" or torch.cuda.is_available()) else "cpu")
    os.makedirs(CACHE, exist_ok=True)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    ckpt_best = os.path.join(args.ckpt_dir, "best.pt")
    ckpt_last = os.path.join(args.ckpt_dir, "last.pt")

    ps.LOWRES_P = args.lowres_p
    ps.LOWRES_RANGE = (args.lowres_min, ps.LOWRES_RANGE[1])
    model = (load_onnx_weights(args.init_onnx) if args.init_onnx else PlateReader()).to(device)
    if args.init_onnx:
        print("fine-tuning", args.init_onnx)
    if args.grow:
        assert args.init_onnx, "--grow widens the --init-onnx model"
        *c, lane, hid = (int(v) for v in args.grow.split(","))
        # one fixed seed for the added weights, so runs grown alike start alike and their weights can be averaged
        narrow, model = model.cpu().eval(), grow(model.cpu(), c, lane, hid, seed=0).eval()
        with torch.no_grad():
            probe = torch.rand(4, 1, H, W, generator=torch.Generator().manual_seed(0))
            assert torch.allclose(narrow(probe), model(probe), atol=1e-5), "growing changed the model's outputs"
        model = model.to(device)
        print("grown to", model.arch)
    if args.export_only:
        sha = export_onnx(load_checkpoint(args.export_only), args.out)
        if not args.no_manifest:
            update_manifest(args.out, sha)
        print("exported", args.out, sha)
        return
    if args.init:
        model.load_state_dict(read_checkpoint(args.init)["model"])
        print("warm start from", args.init)
    print("params", sum(p.numel() for p in model.parameters()))
    # Fake-quantizes the convs as the int8 export will see them: BatchNorm must already be folded into them.
    assert not args.qat or args.init_onnx, "--qat fine-tunes an exported model (--init-onnx)"
    remove_fake_quant = add_fake_quant(model, args.qat) if args.qat else (lambda: None)

    t0 = time.time()
    bgs = ps.load_backgrounds(os.path.join(DATA, "backgrounds/images"), n=200, seed=0)
    glyphs = ps.load_glyphs(os.path.join(DATA, "plate-chars"))
    hosts = load_hosts() if args.host_p else None
    real = load_real(apply_fixes=not args.no_label_fixes)
    print({k: len(v) for k, v in real.items()}, f"({time.time() - t0:.0f}s)", flush=True)
    pool = load_synth_pool(args.synth_pool, args.seed, bgs, glyphs, two_row_boost=args.two_row_boost,
                           emblems=args.emblems)
    sets = validation_sets(real, glyphs, emblems=args.emblems)
    other = other_synth_set(glyphs)

    def validate(m, dev):
        accs = {k: evaluate(m, x, y, dev)[0] for k, (x, y) in sets.items()}
        accs["other-synth"] = evaluate(m, *other, dev)[0]
        score = sum(v for k, v in accs.items() if k in sets) / len(sets)
        return accs, score

    def fmt(accs):
        return " ".join(f"{k} {v:.3f}" for k, v in accs.items())

    print("val: " + " ".join(f"{k} {len(y)}" for k, (_, y) in sets.items()) + f" other-synth {len(other[1])}; "
          f"data ready {time.time() - t0:.0f}s", flush=True)

    # sampling sources: (list, weight, augmentation photo strength, whether an item may get a dealer frame)
    us_synth = ("US", "US2")
    sources = [
        (real["us_train"], args.us_weight * (1 - args.synth_frac) / 0.5, 0.7, lambda it: True),
        (real["br_train"], 0.17 * (1 - args.synth_frac) / 0.5, 0.5, lambda it: False),
        (real["br_rendered"], 0.08 * (1 - args.synth_frac) / 0.5, 1.0, lambda it: False),
        (pool, args.synth_frac, 1.0, lambda it: it[2] in us_synth),
    ]
    wts = np.array([s[1] for s in sources])
    wts = wts / wts.sum()

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = args.samples_per_epoch // args.batch
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.08,
                                                div_factor=10, final_div_factor=100)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    best, best_ep = -1.0, -1
    history = []
    if args.init or args.init_onnx:  # the starting point, so a fine-tune that only loses shows as such
        accs, score = validate(model, device)
        print(f"start: {fmt(accs)} | mean {score:.3f}", flush=True)
    for ep in range(args.epochs):
        rng = np.random.RandomState(args.seed * 1000 + ep)
        model.train()
        te = time.time()
        tl, n = 0.0, 0
        for st in range(steps_per_epoch):
            src = rng.choice(len(sources), size=args.batch, p=wts)
            xs, labs = [], []
            for s in src:
                items, _, photo, framable = sources[s]
                it = items[rng.randint(len(items))]
                plate = ps.add_frame(it[0], rng) if args.frame_p and framable(it) and rng.rand() < args.frame_p else it[0]
                xs.append(ps.compose(plate, rng, bgs, geo=1.0, photo=photo, loose=args.loose_p, hosts=hosts,
                                     host_p=args.host_p))
                labs.append(it[1])
            x = torch.from_numpy(np.stack(xs)).float().div_(255).unsqueeze(1).to(device)
            tg = torch.tensor([c for l in labs for c in encode(l)], dtype=torch.long)
            tl_ = torch.tensor([len(l) for l in labs], dtype=torch.long)
            logp = model(x)  # B,T,C
            loss = ctc(logp.permute(1, 0, 2).cpu(), tg, torch.full((len(labs),), T_STEPS, dtype=torch.long), tl_)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            tl += loss.item()
            n += 1
        accs, score = validate(model, device)
        history.append(dict(epoch=ep + 1, loss=tl / n, **accs))
        print(f"ep {ep + 1}/{args.epochs} loss {tl / n:.4f} lr {sched.get_last_lr()[0]:.2e} | val exact: {fmt(accs)} | "
              f"{time.time() - te:.0f}s (total {(time.time() - t0) / 60:.1f} min)", flush=True)
        state = {"model": model.state_dict(), "epoch": ep + 1, "val": history[-1], "args": vars(args)}
        torch.save(state, ckpt_last)
        if score > best:
            best, best_ep = score, ep + 1
            torch.save(state, ckpt_best)
        if args.max_minutes and (time.time() - t0) / 60 > args.max_minutes:
            print("time budget reached, stopping", flush=True)
            break

    model.load_state_dict(read_checkpoint(ckpt_best)["model"])
    model = model.cpu()
    accs, score = validate(model, "cpu")
    print(f"best epoch {best_ep}: {fmt(accs)} | mean {score:.3f}")
    us_x, us_y = sets["US"]
    for p, l in zip(evaluate(model, us_x, us_y, "cpu")[1], us_y):
        if p != l:
            print("  US miss:", l, "->", p)
    remove_fake_quant()  # the float weights are exported; quantize.py quantizes them
    sha = export_onnx(model, args.out)
    if not args.no_manifest:
        update_manifest(args.out, sha)
    summary = dict(best_epoch=best_ep, val=accs, n={k: len(y) for k, (_, y) in sets.items()},
                   minutes=(time.time() - t0) / 60, sha256=sha, history=history)
    with open(os.path.join(args.ckpt_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("exported", args.out, "sha256", sha, f"size {os.path.getsize(args.out) / 1e6:.2f} MB",
          f"total {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
