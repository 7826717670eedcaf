#!/usr/bin/env python3
"""Train the Platewise vehicle detector and export it to ONNX (same contract as the plate detector).

    /usr/bin/python3 models/train/vehicle/train_detector.py --time-limit 35 --out models/vehicle-detector.onnx

The network is the plate detector's backbone (models/train/detector/model.py) with its head at stride 16:
vehicles are large, so the stride-8 fusion is skipped. One class, "vehicle"; the type comes from the
attribute classifier (train_attributes.py). Data: vehicle_data.py. Deterministic seeds.

Validation (vehicles-yolo valid + vehicle-plate-yolo valid) picks the best-F1 threshold and fits the score
calibration: a logistic map from the raw score's logit to P(box is a true vehicle at IoU >= 0.5), stored in
the manifest as calibration {a, b}: p = sigmoid(a * logit(score) + b). The test splits are only reported.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "detector"))
sys.path.insert(0, os.path.join(HERE, ".."))
import vehicle_data  # noqa: E402
import data as plate_data  # noqa: E402
from manifest import file_sha256, update_manifest_entry  # noqa: E402
from model import PlateDet  # noqa: E402
from train import compute_loss, iou_matrix, optimiser_step, predict, seed_all, warmup_cosine_lr  # noqa: E402

ROOT = plate_data.ROOT
STRIDE = 16
SIZE = 320


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--time-limit", type=float, default=35, help="minutes (cosine LR follows wall-clock)")
    p.add_argument("--out", default=os.path.join(ROOT, "models", "vehicle-detector.onnx"))
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--bg-per-epoch", type=int, default=150)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-every", type=int, default=3)
    p.add_argument("--correct-with", default="", help="round 2: a checkpoint of round 1 (best.pt) whose "
                   "predictions correct the teacher's labels (vehicle_data.correct_teacher_labels)")
    p.add_argument("--init", default="", help="warm-start weights (a .pt checkpoint)")
    p.add_argument("--limit", type=int, default=0, help="debug: train and validate on this many images")
    p.add_argument("--ckpt", default=os.path.join(ROOT, "models", ".cache", "vehicle_detector_ckpt"))
    return p.parse_args()


def new_net():
    return PlateDet(width=(16, 24, 48, 96, 192), neck=48, out_stride=STRIDE)


class EpochSet(torch.utils.data.Dataset):
    def __init__(self, items, seed, epoch):
        self.items, self.seed, self.epoch = items, seed, epoch

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        rng = np.random.RandomState((self.seed * 1000003 + self.epoch * 7919 + i) % 2 ** 31)
        img, boxes, ign = vehicle_data.make_sample(self.items[i], SIZE, rng)
        cls, tgt = plate_data.assign_targets(boxes, ign, SIZE, SIZE, STRIDE)
        return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1), torch.from_numpy(cls), torch.from_numpy(tgt)


def match(dets, recs):
    """(scores, is_tp, n_gt) over records at IoU 0.5, greedy by score."""
    scores, tps, n_gt = [], [], 0
    for r, d in zip(recs, dets):
        gt = r["boxes"]
        n_gt += len(gt)
        used = np.zeros(len(gt), bool)
        ious = iou_matrix(d[:, :4], gt) if len(d) and len(gt) else None
        for j in np.argsort(-d[:, 4]) if len(d) else []:
            tp = False
            if ious is not None:
                c = np.where((ious[j] >= 0.5) & ~used)[0]
                if len(c):
                    used[c[np.argmax(ious[j, c])]] = True
                    tp = True
            scores.append(float(d[j, 4]))
            tps.append(tp)
    return np.array(scores), np.array(tps, bool), n_gt


def pr_at(scores, tps, n_gt, thr):
    m = scores >= thr
    tp = int(tps[m].sum())
    return dict(precision=tp / max(1, int(m.sum())), recall=tp / max(1, n_gt), n_gt=n_gt)


def best_threshold(scores, tps, n_gt):
    order = np.argsort(-scores)
    s, t = scores[order], tps[order]
    ctp, cfp = np.cumsum(t), np.cumsum(~t)
    prec, rec = ctp / np.maximum(ctp + cfp, 1), ctp / max(n_gt, 1)
    mprec = np.concatenate([[0], prec, [0]]); mrec = np.concatenate([[0], rec, [rec[-1] if len(rec) else 0]])
    for i in range(len(mprec) - 2, -1, -1):
        mprec[i] = max(mprec[i], mprec[i + 1])
    ap = float(np.sum((mrec[1:] - mrec[:-1]) * mprec[1:]))
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-9)
    if not len(f1):
        return 0.5, 0.0, ap
    bi = int(np.argmax(f1))
    thr = float((s[bi] + s[bi + 1]) / 2) if bi + 1 < len(s) else float(s[bi])
    return round(thr, 3), float(f1[bi]), ap


def fit_calibration(scores, tps):
    """Platt scaling on logit(score): a, b minimising log loss (a few Newton steps)."""
    x = np.log(np.clip(scores, 1e-4, 1 - 1e-4) / (1 - np.clip(scores, 1e-4, 1 - 1e-4)))
    y = tps.astype(np.float64)
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([np.sum((p - y) * x), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        H = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(H, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-7:
            break
    return float(a), float(b)


def calibrated(scores, cal):
    x = np.log(np.clip(scores, 1e-4, 1 - 1e-4) / (1 - np.clip(scores, 1e-4, 1 - 1e-4)))
    return 1 / (1 + np.exp(-(cal[0] * x + cal[1])))


def reliability(p, tps, bins=5):
    """per-bin (mean predicted, observed precision, count): how well calibrated the scores are."""
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if m.any():
            out.append([round(float(p[m].mean()), 3), round(float(tps[m].mean()), 3), int(m.sum())])
    return out


def evaluate(net, recs):
    net.eval()
    dets = predict(net, [r["img"] for r in recs], "cpu", SIZE, min_score=0.05)
    return match(dets, recs)


def export(net, path):
    from export_onnx import export as export_onnx
    tmp = path + ".tmp"
    export_onnx(net, tmp, SIZE)
    os.replace(tmp, path)


def main():
    args = parse_args()
    seed_all(args.seed)
    torch.set_num_threads(args.threads)
    t_start = time.time()
    recs = vehicle_data.load_records()
    if args.correct_with:
        r1 = new_net()
        ck = torch.load(args.correct_with, map_location="cpu")
        r1.load_state_dict(ck["ema"])
        r1.eval()
        val1 = [r for r in recs if r["split"] == "val"]
        s1, t1, n1 = evaluate(r1, val1)
        thr1 = best_threshold(s1, t1, n1)[0]
        recs = vehicle_data.correct_teacher_labels(recs, lambda ims: predict(r1, ims, "cpu", SIZE, min_score=0.05), thr1)
        print(f"teacher labels corrected by {args.correct_with} (threshold {thr1}): "
              f"{sum(len(r['boxes']) for r in recs if r.get('labelled_by') == 'teacher+ours')} targets", flush=True)
    train = [r for r in recs if r["split"] == "train" and r["source"] != "backgrounds"]
    bg = [r for r in recs if r["split"] == "train" and r["source"] == "backgrounds"]
    val = [r for r in recs if r["split"] == "val"]
    test = [r for r in recs if r["split"] == "test"]
    if args.limit:
        train, val, test = train[:args.limit], val[:args.limit], test[:args.limit]
    print(f"train {len(train)} + {args.bg_per_epoch}/{len(bg)} backgrounds per epoch, val {len(val)}, "
          f"test {len(test)}; loaded in {time.time() - t_start:.0f}s", flush=True)
    net, ema = new_net(), new_net()
    if args.init:
        net.load_state_dict(torch.load(args.init, map_location="cpu")["ema"])
    ema.load_state_dict(net.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"params {n_params}", flush=True)
    decay = [p for p in net.parameters() if p.ndim > 1]
    no_decay = [p for p in net.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}],
                            lr=args.lr)
    os.makedirs(args.ckpt, exist_ok=True)
    step, warm, best_f1, history = 0, 100, -1.0, []
    total_est = args.epochs * math.ceil((len(train) + args.bg_per_epoch) / args.batch)
    for epoch in range(args.epochs):
        net.train()
        t0 = time.time()
        rng = np.random.RandomState(args.seed * 31 + epoch)
        items = train + [bg[i] for i in rng.choice(len(bg), args.bg_per_epoch, replace=False)]
        rng.shuffle(items)
        loader = torch.utils.data.DataLoader(EpochSet(items, args.seed, epoch), batch_size=args.batch,
                                             shuffle=False, num_workers=0, drop_last=True)
        tl, n = 0.0, 0
        for imgs, cls_t, box_t in loader:
            prog = max((step - warm) / max(1, total_est - warm), (time.time() - t_start) / (args.time_limit * 60))
            prog = min(1.0, prog)
            lr = warmup_cosine_lr(args.lr, step, warm, prog)
            cls, ltrb = net(imgs.float().div_(255))
            loss, _, _ = compute_loss(cls, ltrb, cls_t, box_t, STRIDE)
            step = optimiser_step(net, ema, opt, loss, lr, step)
            tl += float(loss); n += 1
        elapsed = (time.time() - t_start) / 60
        last = epoch + 1 == args.epochs or elapsed > args.time_limit
        msg = f"epoch {epoch + 1} loss {tl / max(n, 1):.3f} lr {lr:.2e} {time.time() - t0:.0f}s | {elapsed:.1f} min"
        if (epoch + 1) % args.val_every == 0 or last:
            s, t, ng = evaluate(ema, val)
            thr, f1, ap = best_threshold(s, t, ng)
            msg += f" | val AP50 {ap:.3f} F1 {f1:.3f} @ {thr} {pr_at(s, t, ng, thr)}"
            history.append(dict(epoch=epoch + 1, ap50=ap, f1=f1, threshold=thr))
            if f1 > best_f1:
                best_f1 = f1
                torch.save({"ema": ema.state_dict(), "epoch": epoch + 1}, os.path.join(args.ckpt, "best.pt"))
        print(msg, flush=True)
        if last:
            break
    best = torch.load(os.path.join(args.ckpt, "best.pt"), map_location="cpu")
    net = new_net()
    net.load_state_dict(best["ema"])
    s, t, ng = evaluate(net, val)
    thr, f1, ap = best_threshold(s, t, ng)
    cal = fit_calibration(s, t)
    metrics = {"epoch": best["epoch"], "val": dict(ap50=ap, f1=f1, **pr_at(s, t, ng, thr),
                                                   reliability=reliability(calibrated(s, cal), t))}
    for name, src in (("test", test), ("test_vehicles_yolo", [r for r in test if r["source"] == "vehicles-yolo"]),
                      ("test_vehicle_plate_yolo", [r for r in test if r["source"] == "vehicle-plate-yolo"])):
        s2, t2, ng2 = evaluate(net, src)
        _, _, ap2 = best_threshold(s2, t2, ng2)
        metrics[name] = dict(ap50=ap2, **pr_at(s2, t2, ng2, thr), reliability=reliability(calibrated(s2, cal), t2))
    export(net, args.out)
    update_manifest_entry(args.out, "vehicle-detector", {
        "input": {"name": "pixels", "layout": "NHWC", "dtype": "uint8", "channels": 3, "range": [0, 255], "pad_value": 128,
                  "stride": 32, "default_size": SIZE},
        "output": {"name": "detections", "format": "x1y1x2y2score"},
        "recommended_threshold": thr,
        "calibration": {"a": round(cal[0], 4), "b": round(cal[1], 4)},
    })
    info = dict(metrics=metrics, params=n_params, onnx_bytes=os.path.getsize(args.out), args=vars(args),
                train_minutes=(time.time() - t_start) / 60, history=history)
    with open(os.path.join(HERE, "last_detector_export.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(json.dumps(metrics, indent=1), flush=True)


if __name__ == "__main__":
    main()
