#!/usr/bin/env python3
"""Train the plate-style classifier (which family of plate designs a crop shows) and export it to ONNX.

    /usr/bin/python3 models/train/region/train_style.py --out models/plate-style.onnx

The engine predicts `region` from the text's formats (regions/*.json), and text alone cannot tell a Brazilian
ABC1234 from a US one or a Slovak LM010BE from an Italian-looking string: on openalpr-endtoend-dev every BR plate
came back as `us`. Plate designs tell them apart at a glance, so this small CNN looks at the plate crop (RGB
32x96, the detector's box widened by the reader's crop margin) and answers a family: STYLES below. The engine
weighs each region's text match by the family's probability (src/engine/region-predict.ts).

Data (real where we have it, the reader's synthetic generator where we do not):
- na (US/Canada/Mexico designs): us-plate-crops (split by plate text exactly as the reader's training, so the
  reader's held-out crops stay held out), us-plates-yolo plate boxes cut from the photos (the detector's split),
  synthetic US one- and two-row plates.
- br (Brazil's grey series and Mercosur): br-plate-crops real (reader's split) and rendered (train only),
  synthetic BR and Mercosur plates.
- eu (European designs, blue band or not, UK included): ro-dashcam-voc plate boxes (the detector's split: the
  last 20 % of each drive held out), synthetic EU and UK plates.
Framing and context differ by source (BR crops are cut tight, US crops show the car around the plate), and a
first model learned exactly that: it called real Brazilian photos' plates `na`. So every crop-only sample (the
crop sets and the synthetic plates) is usually pasted over the plate of a host photo (us-plates-yolo,
ro-dashcam-voc and vehicle-plate-yolo frames, hosts of the same split), where the engine's crop then sees a
car around any style, and the crop margin is jittered for all. Validation adds the held-out crops pasted into
held-out hosts the same way (`*-in-host`), the closest we have to a real photo of each style.
Scores are temperature-scaled on validation; the softmax is part of the exported graph. Deterministic seeds.
"""
import argparse
import csv
import importlib.util
import json
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "detector"))
sys.path.insert(0, os.path.join(HERE, "..", "synth"))
sys.path.insert(0, os.path.join(HERE, ".."))
import data as plate_data  # noqa: E402
import platesynth as ps  # noqa: E402
from calibration import fit_temperature  # noqa: E402
from manifest import file_sha256, update_manifest_entry  # noqa: E402
from model import classifier_body  # noqa: E402

os.environ.setdefault("READER_NO_PRELOAD", "1")  # the reader's train.py would re-exec this process otherwise
# By path: detector/ (on sys.path above) has a train.py of its own.
_spec = importlib.util.spec_from_file_location("reader_train", os.path.join(HERE, "..", "reader", "train.py"))
reader_train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reader_train)

DATA = plate_data.DATA
STYLES = ["na", "br", "eu"]
H, W = 32, 96
SYNTH_KINDS = {"na": ["US", "US2"], "br": ["BR", "MERCOSUR", "BR2", "MERC2"], "eu": ["EU", "EU2", "UK", "UK2"]}


class StyleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = classifier_body(16, [(32, 2), (64, 2), (96, 1)])  # 32x96 -> 16x48 -> 8x24 -> 4x12 -> 2x6
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(96, len(STYLES))

    def forward(self, x):
        return self.head(self.drop(self.body(x).mean((2, 3))))


class Export(nn.Module):
    def __init__(self, net, t):
        super().__init__()
        self.net, self.t = net, t

    def forward(self, images):
        return torch.softmax(self.net(images) / self.t, 1)


def text_split(key):
    """The reader's own split (10 % held out by plate text), so its held-out crops stay held out here."""
    return "val" if reader_train._hash_split(key) else "train"


def load_real():
    """(RGB image, box or None (= the whole image is the plate), style index, split, source)"""
    out = []
    with open(os.path.join(DATA, "us-plate-crops/labels.csv")) as f:
        for r in csv.DictReader(f):
            lab = ps.label_of(r["plate"])
            if lab:
                im = cv2.cvtColor(cv2.imread(os.path.join(DATA, "us-plate-crops/images", r["file"])), cv2.COLOR_BGR2RGB)
                out.append((im, None, 0, text_split("us:" + lab), "us-crops"))
    with open(os.path.join(DATA, "br-plate-crops/labels.csv")) as f:
        for r in csv.DictReader(f):
            lab = ps.label_of(r["plate"])
            im = cv2.cvtColor(cv2.imread(os.path.join(DATA, "br-plate-crops/images", r["file"])), cv2.COLOR_BGR2RGB)
            split = text_split("br:" + lab)
            if r["kind"] == "rendered":
                if split == "train":
                    out.append((im, None, 1, "train", "br-rendered"))
            else:
                out.append((im, None, 1, split, "br-crops"))
    for rec in plate_data.load_records():
        if rec["kind"] not in ("us", "ro"):
            continue
        for b in rec["boxes"]:
            if b[2] - b[0] >= 24:
                out.append((rec["img"], np.asarray(b, np.float32), 0 if rec["kind"] == "us" else 2,
                            "val" if rec["split"] == "val" else "train", rec["kind"] + "-boxes"))
    return out


def synth_pool(n, seed, bgs_grey, glyphs):
    rng = np.random.RandomState(seed)
    pool = []
    for i in range(n):
        style = i % len(STYLES)
        kind = SYNTH_KINDS[STYLES[style]][rng.randint(len(SYNTH_KINDS[STYLES[style]]))]
        # emblems: SK/HR/RS/SLO arms, CZ stickers, DE seals and US state graphics are part of those designs
        rgb, _ = ps.render_plate(rng, kind, bgs_grey, glyphs, emblems=True)
        rgb = np.clip(rgb, 0, 255).astype(np.uint8)
        s = min(1.0, 200.0 / rgb.shape[1])
        pool.append((cv2.resize(rgb, (int(rgb.shape[1] * s), int(rgb.shape[0] * s)), interpolation=cv2.INTER_AREA),
                     None, style, "train", "synth"))
    return pool


def paste_into_host(plate, host, rng):
    """`plate` over the host photo's plate: scaled to cover the host's box (its own aspect kept, so no
    remnant of the host plate shows), centred on it. Returns the new photo and the pasted plate's box."""
    img, (x1, y1, x2, y2) = host
    ph, pw = plate.shape[:2]
    s = max((x2 - x1) / pw, (y2 - y1) / ph) * (rng.uniform(1.0, 1.15) if rng is not None else 1.05)
    nw, nh = max(8, int(round(pw * s))), max(4, int(round(ph * s)))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    ox, oy = int(round(cx - nw / 2)), int(round(cy - nh / 2))
    out = img.copy()
    H_, W_ = out.shape[:2]
    sx0, sy0 = max(0, -ox), max(0, -oy)
    dx0, dy0 = max(0, ox), max(0, oy)
    dx1, dy1 = min(W_, ox + nw), min(H_, oy + nh)
    if dx1 <= dx0 or dy1 <= dy0:
        return None
    scaled = cv2.resize(plate, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out[dy0:dy1, dx0:dx1] = scaled[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0]
    return out, np.float32([dx0, dy0, dx1, dy1])


def frame(img, box, rng, hosts, host_p=0.75):
    """The crop the engine would take (box + crop margin), re-framed at random when `rng` is given."""
    if box is None and hosts and (rng is None or rng.rand() < host_p):
        pasted = paste_into_host(img, hosts[(rng.randint(len(hosts)) if rng is not None else 0)], rng)
        if pasted is not None:
            img, box = pasted
    h, w = img.shape[:2]
    if box is None:
        box = np.float32([0, 0, w, h])
    x1, y1, x2, y2 = [float(v) for v in box]
    bw, bh = x2 - x1, y2 - y1
    m = ps.CROP_MARGIN
    jit = (lambda: rng.uniform(-0.12, 0.15)) if rng is not None else (lambda: 0.0)
    x1, x2 = x1 - (m + jit()) * bw, x2 + (m + jit()) * bw
    y1, y2 = y1 - (m + jit()) * bh, y2 + (m + jit()) * bh
    x1, y1 = int(max(0, round(x1))), int(max(0, round(y1)))
    x2, y2 = int(min(w, max(x1 + 2, round(x2)))), int(min(h, max(y1 + 2, round(y2))))
    c = img[y1:y2, x1:x2]
    if rng is not None and rng.rand() < 0.4:  # a distant plate: few pixels, blown back up
        s = rng.uniform(0.2, 0.6)
        c = cv2.resize(c, (max(8, int(c.shape[1] * s)), max(4, int(c.shape[0] * s))), interpolation=cv2.INTER_AREA)
    return cv2.resize(c, (W, H), interpolation=cv2.INTER_AREA if c.shape[1] > W else cv2.INTER_LINEAR)


def batchify(samples, rng=None, hosts=None):
    xs = []
    for im, box, *_ in samples:
        c = frame(im, box, rng, hosts)
        if rng is not None:
            c = plate_data._photometric(np.ascontiguousarray(c), rng)
            if rng.rand() < 0.3:
                c = cv2.GaussianBlur(c, (3, 3), rng.uniform(0.3, 1.2))
        xs.append(c)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float().div_(255)
    return x, torch.tensor([s[2] for s in samples])


def in_hosts(samples, hosts, seed=5):
    """Each crop-only sample pasted into a host photo, fixed by `seed`: a validation set of whole photos."""
    rng = np.random.RandomState(seed)
    out = []
    for im, box, style, split, src in samples:
        if box is None:
            pasted = paste_into_host(im, hosts[rng.randint(len(hosts))], rng)
            if pasted is not None:
                out.append((pasted[0], pasted[1], style, split, src + "-in-host"))
    return out


def logits_of(net, samples):
    net.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(samples), 256):
            out.append(net(batchify(samples[k:k + 256])[0]))
    return torch.cat(out)


def report(logits, samples, t):
    p = torch.softmax(logits / t, 1)
    y = torch.tensor([s[2] for s in samples])
    pred = p.argmax(1)
    out = {"accuracy": round(float((pred == y).float().mean()), 3), "n": len(samples)}
    for src in sorted({s[4] for s in samples}):
        m = torch.tensor([s[4] == src for s in samples])
        out[src] = [round(float((pred[m] == y[m]).float().mean()), 3), int(m.sum())]
    conf = p.max(1).values
    out["reliability"] = [[round(float(conf[(conf >= lo) & (conf < hi)].mean()), 3), round(float((pred == y)[(conf >= lo) & (conf < hi)].float().mean()), 3), int(((conf >= lo) & (conf < hi)).sum())]
                          for lo, hi in ((0, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 1.01)) if ((conf >= lo) & (conf < hi)).any()]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--per-epoch", type=int, default=3000, help="samples per epoch, balanced over the styles")
    p.add_argument("--synth", type=int, default=3000, help="synthetic plates in the pool (a third per style)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="models/plate-style.onnx")
    p.add_argument("--no-manifest", action="store_true")
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.RandomState(args.seed)
    t0 = time.time()
    real = load_real()
    hosts = reader_train.load_hosts("train")
    synth = synth_pool(args.synth, args.seed, ps.load_backgrounds(os.path.join(DATA, "backgrounds/images"), n=60),
                       ps.load_glyphs(os.path.join(DATA, "plate-chars")))
    train = [s for s in real if s[3] == "train"] + synth
    val = [s for s in real if s[3] == "val"]
    val += in_hosts(val, reader_train.load_hosts("val"))
    by_style = [[s for s in train if s[2] == k] for k in range(len(STYLES))]
    print({STYLES[k]: len(v) for k, v in enumerate(by_style)}, "val", len(val), f"data {time.time() - t0:.0f}s", flush=True)
    net = StyleNet()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * (args.per_epoch // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    best = (-1.0, None)
    for ep in range(args.epochs):
        net.train()
        for _ in range(args.per_epoch // 64):
            batch = [by_style[k][rng.randint(len(by_style[k]))] for k in rng.randint(len(STYLES), size=64)]
            x, y = batchify(batch, rng, hosts)
            loss = F.cross_entropy(net(x), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        logits = logits_of(net, val)
        # mean per-source accuracy, so the small RO split counts as much as the large BR one
        r = report(logits, val, 1.0)
        score = float(np.mean([v[0] for k, v in r.items() if isinstance(v, list) and k != "reliability"]))
        print(f"ep {ep + 1}/{args.epochs} loss {float(loss):.3f} val {json.dumps({k: v for k, v in r.items() if k != 'reliability'})} "
              f"mean {score:.3f} ({time.time() - t0:.0f}s)", flush=True)
        if score > best[0]:
            best = (score, {k: v.clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[1])
    logits = logits_of(net, val)
    y = torch.tensor([s[2] for s in val])
    t = fit_temperature(logits, y, lo=0.2)  # label smoothing leaves the raw net under-confident
    metrics = {"temperature": t, "validation": report(logits, val, t), "train_minutes": round((time.time() - t0) / 60, 1),
               "args": vars(args)}
    print(json.dumps(metrics), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(Export(net.eval(), t), torch.zeros(2, 3, H, W), args.out, input_names=["images"],
                      output_names=["styles"], opset_version=17, dynamic_axes={"images": {0: "batch"}, "styles": {0: "batch"}})
    sha = file_sha256(args.out)
    with open(os.path.join(HERE, "last_style_export.json"), "w") as f:
        json.dump({**metrics, "sha256": sha}, f, indent=2)
    if not args.no_manifest:
        update_manifest_entry(args.out, "plate-style", {
            "input": {"name": "images", "layout": "NCHW", "channels": 3, "height": H, "width": W, "range": [0, 1]},
            "output": {"name": "styles", "styles": STYLES},
            "crop_margin": ps.CROP_MARGIN,
        })
    print("exported", args.out, sha)


if __name__ == "__main__":
    main()
