#!/usr/bin/env python3
"""Train the vehicle attribute classifier (type + orientation) and export it to ONNX.

    /usr/bin/python3 models/train/vehicle/train_attributes.py --out models/vehicle-attributes.onnx

One small CNN on 64x64 RGB vehicle crops, two heads:
- type over TYPES (the API's names). Real examples: vehicle-types (bike, car, juggernaut, minibus, pickup, truck:
  an elevated traffic camera) and the vehicles-yolo boxes (bus, car, motorbike, truck: street level). SUV has no
  example anywhere, so the head has no SUV output; "Unknown" is what the engine answers below
  `type_min_score`, chosen on validation so the types it does name are right >= TYPE_TARGET_PRECISION.
- orientation over ORIENTATIONS, from orientation_labels.json: 360 crops hand-labelled for this project (Front,
  Rear, or Unknown = side view / cannot tell) from vehicle-plate-yolo, us-plates-yolo and vehicles-yolo.
A sample with only one label trains only that head. Scores are temperature-scaled on validation (calibration),
and the softmax is part of the exported graph. Deterministic seeds.
"""
import argparse
import hashlib
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
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "detector"))
sys.path.insert(0, os.path.join(HERE, ".."))
import vehicle_data  # noqa: E402
import data as plate_data  # noqa: E402
from manifest import update_manifest_entry  # noqa: E402
from calibration import fit_temperature  # noqa: E402
from model import classifier_body  # noqa: E402

ROOT = plate_data.ROOT
SIZE = 64
TYPES = ["Big Truck", "Bus", "Motorcycle", "Pickup Truck", "Sedan", "Van"]
ORIENTATIONS = ["Front", "Rear", "Unknown"]
FOLDER_TYPE = {"bike": "Motorcycle", "car": "Sedan", "juggernaut": "Big Truck", "minibus": "Van",
               "pickup": "Pickup Truck", "truck": "Big Truck"}
YOLO_TYPE = {"bus": "Bus", "motorcycle": "Motorcycle", "truck": "Big Truck", "car": "Sedan"}
TYPE_TARGET_PRECISION = 0.85


class AttrNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = classifier_body(24, [(48, 2), (96, 2), (160, 2)])  # 64 -> 32 -> 16 -> 8 -> 4
        self.drop = nn.Dropout(0.2)
        self.type_head = nn.Linear(160, len(TYPES))
        self.orient = nn.Linear(160, len(ORIENTATIONS))

    def forward(self, x):
        f = self.drop(self.body(x).mean((2, 3)))
        return self.type_head(f), self.orient(f)


class Export(nn.Module):
    def __init__(self, net, t_type, t_orient):
        super().__init__()
        self.net, self.t_type, self.t_orient = net, t_type, t_orient

    def forward(self, images):
        t, o = self.net(images)
        return torch.softmax(t / self.t_type, 1), torch.softmax(o / self.t_orient, 1)


def split_of(name):
    f = int(hashlib.md5(name.encode()).hexdigest()[:8], 16) / 2 ** 32
    return "train" if f < 0.8 else "val" if f < 0.9 else "test"


def load_samples():
    """(image, box or None, type index or -1, orientation index or -1, split, source)"""
    out = []
    d = os.path.join(plate_data.DATA, "vehicle-types")
    for folder, t in FOLDER_TYPE.items():
        for f in sorted(os.listdir(os.path.join(d, folder))):
            im = cv2.cvtColor(cv2.imread(os.path.join(d, folder, f)), cv2.COLOR_BGR2RGB)
            out.append((im, None, TYPES.index(t), -1, split_of(folder + f), "vehicle-types"))
    recs = vehicle_data.load_records()
    by_name = {(r["source"], r["name"]): r for r in recs}
    for r in recs:
        if r["source"] != "vehicles-yolo":
            continue
        for b, c in zip(r["boxes"], r["classes"]):
            if b[2] - b[0] >= 16 and b[3] - b[1] >= 16:
                out.append((r["img"], b, TYPES.index(YOLO_TYPE[c]), -1, r["split"], "vehicles-yolo"))
    for lab in json.load(open(os.path.join(HERE, "orientation_labels.json"))):
        r = by_name[(lab["source"], lab["name"])]
        split = lab["split"] if lab["split"] != "train" else ("val" if split_of(lab["name"]) != "train" else "train")
        out.append((r["img"], np.array(lab["box"], np.float32), -1, ORIENTATIONS.index(lab["orientation"]), split,
                    "orientation"))
    return out


def crop(img, box, rng=None):
    h, w = img.shape[:2]
    x1, y1, x2, y2 = (0, 0, w, h) if box is None else box
    if rng is not None:  # box jitter: the engine crops our detector's boxes, not hand-drawn ones
        bw, bh = x2 - x1, y2 - y1
        x1, x2 = x1 + rng.uniform(-0.08, 0.08) * bw, x2 + rng.uniform(-0.08, 0.08) * bw
        y1, y2 = y1 + rng.uniform(-0.08, 0.08) * bh, y2 + rng.uniform(-0.08, 0.08) * bh
    x1, y1 = int(max(0, round(x1))), int(max(0, round(y1)))
    x2, y2 = int(min(w, max(x1 + 1, round(x2)))), int(min(h, max(y1 + 1, round(y2))))
    return cv2.resize(img[y1:y2, x1:x2], (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def batchify(samples, rng=None):
    xs = []
    for im, box, *_ in samples:
        c = crop(im, box, rng)
        if rng is not None:
            if rng.rand() < 0.5:
                c = c[:, ::-1]
            c = plate_data._photometric(np.ascontiguousarray(c), rng)
        xs.append(c)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float().div_(255)
    return x, torch.tensor([s[2] for s in samples]), torch.tensor([s[3] for s in samples])


def logits_of(net, samples):
    net.eval()
    ts, os_ = [], []
    with torch.no_grad():
        for k in range(0, len(samples), 256):
            x, _, _ = batchify(samples[k:k + 256])
            t, o = net(x)
            ts.append(t); os_.append(o)
    return torch.cat(ts), torch.cat(os_)


def type_threshold(probs, labels):
    """lowest max-probability at which the named types are right >= TYPE_TARGET_PRECISION."""
    conf, pred = probs.max(1)
    for thr in np.linspace(0.3, 0.95, 14):
        m = conf >= thr
        if m.any() and float((pred[m] == labels[m]).float().mean()) >= TYPE_TARGET_PRECISION:
            return round(float(thr), 3)
    return 0.95


def report(net, samples, t_type, t_orient, thr):
    tl, ol = logits_of(net, samples)
    yt = torch.tensor([s[2] for s in samples]); yo = torch.tensor([s[3] for s in samples])
    out = {}
    mt = yt >= 0
    if mt.any():
        p = torch.softmax(tl[mt] / t_type, 1)
        conf, pred = p.max(1)
        named = conf >= thr
        out["type_accuracy"] = round(float((pred == yt[mt]).float().mean()), 3)
        out["type_named_share"] = round(float(named.float().mean()), 3)
        out["type_accuracy_when_named"] = round(float((pred[named] == yt[mt][named]).float().mean()), 3) if named.any() else None
        out["type_n"] = int(mt.sum())
        per = {}
        for i, name in enumerate(TYPES):
            m = yt[mt] == i
            if m.any():
                per[name] = [round(float((pred[m] == i).float().mean()), 3), int(m.sum())]
        out["type_recall_by_class"] = per
    mo = yo >= 0
    if mo.any():
        p = torch.softmax(ol[mo] / t_orient, 1)
        out["orientation_accuracy"] = round(float((p.argmax(1) == yo[mo]).float().mean()), 3)
        fr = yo[mo] < 2
        out["orientation_front_rear_accuracy"] = round(float((p[fr][:, :2].argmax(1) == yo[mo][fr]).float().mean()), 3)
        out["orientation_n"] = int(mo.sum())
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(ROOT, "models", "vehicle-attributes.onnx"))
    args = p.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    samples = load_samples()
    train = [s for s in samples if s[4] == "train"]
    val = [s for s in samples if s[4] == "val"]
    test = [s for s in samples if s[4] == "test"]
    # orientation examples are few: repeat them so each epoch sees them as often as ~1/4 of the type examples
    orient_train = [s for s in train if s[3] >= 0]
    train = train + orient_train * 2
    print(f"train {len(train)} val {len(val)} test {len(test)} ({time.time() - t0:.0f}s)", flush=True)
    net = AttrNet()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = args.epochs * (len(train) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps, pct_start=0.1)
    best, best_state = -1.0, None
    for epoch in range(args.epochs):
        net.train()
        rng = np.random.RandomState(args.seed * 97 + epoch)
        order = rng.permutation(len(train))
        for k in range(len(train) // args.batch):
            x, yt, yo = batchify([train[i] for i in order[k * args.batch:(k + 1) * args.batch]], rng)
            t, o = net(x)
            loss = F.cross_entropy(t, yt, ignore_index=-1, label_smoothing=0.05) if (yt >= 0).any() else t.sum() * 0
            if (yo >= 0).any():
                loss = loss + F.cross_entropy(o, yo, ignore_index=-1, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        m = report(net, val, 1.0, 1.0, 0.0)
        score = m.get("type_accuracy", 0) + m.get("orientation_accuracy", 0)
        print(f"epoch {epoch + 1} loss {float(loss):.3f} val {m} | {(time.time() - t0) / 60:.1f} min", flush=True)
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    tl, ol = logits_of(net, val)
    yt = torch.tensor([s[2] for s in val]); yo = torch.tensor([s[3] for s in val])
    t_type = fit_temperature(tl[yt >= 0], yt[yt >= 0])
    t_orient = fit_temperature(ol[yo >= 0], yo[yo >= 0])
    thr = type_threshold(torch.softmax(tl[yt >= 0] / t_type, 1), yt[yt >= 0])
    metrics = {"val": report(net, val, t_type, t_orient, thr), "test": report(net, test, t_type, t_orient, thr),
               "test_vehicles_yolo": report(net, [s for s in test if s[5] == "vehicles-yolo"], t_type, t_orient, thr),
               "temperature": {"type": t_type, "orientation": t_orient}}
    net.eval()
    tmp = args.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(Export(net, t_type, t_orient), torch.rand(1, 3, SIZE, SIZE), tmp, opset_version=17,
                          input_names=["images"], output_names=["type", "orientation"],
                          dynamic_axes={"images": {0: "batch"}, "type": {0: "batch"}, "orientation": {0: "batch"}})
    os.replace(tmp, args.out)
    update_manifest_entry(args.out, "vehicle-attributes", {
        "input": {"name": "images", "layout": "NCHW", "channels": 3, "range": [0, 1], "height": SIZE, "width": SIZE},
        "output": {"type": TYPES, "orientation": ORIENTATIONS},
        "type_min_score": thr,
    })
    info = dict(metrics=metrics, params=sum(p.numel() for p in net.parameters()),
                onnx_bytes=os.path.getsize(args.out), args=vars(args), train_minutes=(time.time() - t0) / 60)
    with open(os.path.join(HERE, "last_attributes_export.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(json.dumps(metrics, indent=1), flush=True)


if __name__ == "__main__":
    main()
