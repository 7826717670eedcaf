#!/usr/bin/env python3
"""Train the Platewise licence-plate detector from scratch and export it to ONNX.

    /usr/bin/python3 models/train/detector/train.py --epochs 36 --out models/plate-detector.onnx

Deterministic (fixed seeds, per-sample RNG derived from (seed, epoch, index)). Validation on held-out sources
every epoch (precision / recall at IoU 0.5 at the best-F1 threshold). Whenever validation F1 improves, the EMA
weights are checkpointed and (unless --export-at-end-only) exported to --out, and the manifest entry
"plate-detector" in models/manifest.json is rewritten with the file's sha256 and the chosen threshold.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from manifest import file_sha256, update_manifest_entry  # noqa: E402
from torch_compat import read_checkpoint  # noqa: E402
import data  # noqa: E402
from model import PlateDet, decode, freeze_bn, load_onnx_weights  # noqa: E402

ROOT = data.ROOT


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=36)
    p.add_argument("--out", default=os.path.join(ROOT, "models", "plate-detector.onnx"))
    p.add_argument("--device", default="cpu", help="cpu | cuda")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads; 1 is much faster than 2 on a "
                   "shared 2-core box (OpenMP barriers stall when another process holds a core)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader workers (0 = main process)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--train-size", type=int, default=320, help="square training crop (px); images are first "
                   "scaled as if letterboxed to 512-640 (with scale jitter), then cropped")
    p.add_argument("--val-size", type=int, default=640)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--synth", type=int, default=300, help="synthetic composited samples per epoch")
    p.add_argument("--neg", type=int, default=100, help="background-only samples per epoch")
    p.add_argument("--ro-repeat", type=int, default=2, help="repeat factor for ro-dashcam (small plates)")
    p.add_argument("--val-every", type=int, default=2, help="validate every N epochs (and always at the last)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rendered-p", type=float, default=0.0, help="share of composited plates drawn from 3,000 colour "
                   "plates of the reader's generator (data.rendered_plates), at most 0.35: they replace the EU-style "
                   "renders, the real crops keep their 65 %%")
    p.add_argument("--recolour-p", type=float, default=0.0, help="share of real photos whose plates are recoloured "
                   "(data.recolour_plates: yellow, orange, green, blue bodies, or light characters on dark)")
    p.add_argument("--ckpt", default=os.path.join(ROOT, "models", ".cache", "detector_ckpt"))
    p.add_argument("--init", default="", help="warm-start weights (a .pt checkpoint)")
    p.add_argument("--init-onnx", default="", help="fine-tune an exported model (its BatchNorm stays folded and frozen)")
    p.add_argument("--time-limit", type=float, default=0, help="minutes; the cosine LR schedule then also follows wall-clock time and training stops after the epoch that crosses it")
    p.add_argument("--export-at-end-only", action="store_true")
    p.add_argument("--min-f1-to-export", type=float, default=0.0,
                   help="only export if best val F1 beats this (e.g. the currently exported model's F1)")
    p.add_argument("--limit", type=int, default=0, help="debug: use only this many train samples / epoch")
    p.add_argument("--rebuild-cache", action="store_true")
    return p.parse_args()


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class EpochSet(torch.utils.data.Dataset):
    def __init__(self, items, pools, T, seed, epoch):
        self.items, self.pools, self.T, self.seed, self.epoch = items, pools, T, seed, epoch

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        rec, mode = self.items[i]
        rng = np.random.RandomState((self.seed * 1000003 + self.epoch * 7919 + i) % 2 ** 31)
        img, boxes, ign = data.make_sample(rec, self.T, rng, mode, self.pools)
        cls, tgt = data.assign_targets(boxes, ign, self.T, self.T)
        return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1), torch.from_numpy(cls), torch.from_numpy(tgt)


def warmup_cosine_lr(base, step, warm, prog):
    """linear warm-up over `warm` steps, then cosine from base to 2 % of it as `prog` goes 0 -> 1."""
    if step < warm:
        return base * (step + 1) / warm
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * prog)))


def optimiser_step(net, ema, opt, loss, lr, step):
    """One update at learning rate `lr`: gradients clipped to norm 10, then the EMA follows. Returns step + 1."""
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
    opt.step()
    ema_update(ema, net, step + 1)
    return step + 1


@torch.no_grad()
def ema_update(ema, net, step):
    """EMA of the weights (decay ramping up to 0.998); buffers like BN counters are copied."""
    d = min(0.998, (1 + step) / (10 + step))
    for pe, pn in zip(ema.state_dict().values(), net.state_dict().values()):
        if pe.dtype.is_floating_point:
            pe.mul_(d).add_(pn.detach(), alpha=1 - d)
        else:
            pe.copy_(pn)


def giou_loss(p, t):
    ix1, iy1 = torch.max(p[:, 0], t[:, 0]), torch.max(p[:, 1], t[:, 1])
    ix2, iy2 = torch.min(p[:, 2], t[:, 2]), torch.min(p[:, 3], t[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    ap = (p[:, 2] - p[:, 0]).clamp(min=0) * (p[:, 3] - p[:, 1]).clamp(min=0)
    at = (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    union = ap + at - inter + 1e-6
    iou = inter / union
    cx1, cy1 = torch.min(p[:, 0], t[:, 0]), torch.min(p[:, 1], t[:, 1])
    cx2, cy2 = torch.max(p[:, 2], t[:, 2]), torch.max(p[:, 3], t[:, 3])
    carea = (cx2 - cx1) * (cy2 - cy1) + 1e-6
    return 1 - (iou - (carea - union) / carea), iou


def compute_loss(cls_logit, ltrb, cls_t, box_t, stride=data.STRIDE):
    cls_logit = cls_logit[:, 0]
    valid = cls_t >= 0
    pos = cls_t > 0
    npos = max(1.0, float(pos.sum()))
    tgt = (cls_t > 0).float()
    # sigmoid focal loss (alpha 0.25, gamma 2) over non-ignored cells
    p = torch.sigmoid(cls_logit)
    ce = F.binary_cross_entropy_with_logits(cls_logit, tgt, reduction="none")
    pt = p * tgt + (1 - p) * (1 - tgt)
    fl = ce * (1 - pt) ** 2 * (0.25 * tgt + 0.75 * (1 - tgt))
    l_cls = (fl * valid).sum() / npos
    if pos.any():
        B, _, h, w = ltrb.shape
        xs = (torch.arange(w, device=ltrb.device, dtype=torch.float32) + 0.5) * stride
        ys = (torch.arange(h, device=ltrb.device, dtype=torch.float32) + 0.5) * stride
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        d = ltrb.permute(0, 2, 3, 1)[pos]
        cx, cy = gx.expand(B, h, w)[pos], gy.expand(B, h, w)[pos]
        pb = torch.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], 1)
        lg, _ = giou_loss(pb, box_t[pos])
        l_box = lg.mean()
    else:
        l_box = ltrb.sum() * 0
    return l_cls + 2.0 * l_box, l_cls.detach(), l_box.detach()


# ---------------------------------------------------------------------------------------------
# validation

def nms(boxes, scores, thr):
    order = scores.argsort()[::-1]
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        if order.size == 1:
            break
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0]); yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2]); yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        a = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
        b = (boxes[rest, 2] - boxes[rest, 0]) * (boxes[rest, 3] - boxes[rest, 1])
        order = rest[inter / (a + b - inter + 1e-9) <= thr]
    return np.array(keep, np.int64)


def iou_matrix(a, b):
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0]); iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2]); iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]); bb = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (aa[:, None] + bb[None, :] - inter + 1e-9)


@torch.no_grad()
def predict(net, imgs, device, size, min_score=0.05, nms_iou=0.45):
    """engine-style inference: letterbox (top-left, 0.5 grey) to size x size, decode, NMS. Boxes in original px."""
    outs = []
    for k in range(0, len(imgs), 8):
        chunk = imgs[k:k + 8]
        lbs, scales = zip(*[data.letterbox(im, size) for im in chunk])
        x = torch.from_numpy(np.stack(lbs)).permute(0, 3, 1, 2).float().div_(255).to(device)
        det = decode(*net(x), net.stride).cpu().numpy()
        for d, s in zip(det, scales):
            d = d[d[:, 4] >= min_score]
            if len(d) > 500:
                d = d[np.argsort(-d[:, 4])[:500]]
            keep = nms(d[:, :4], d[:, 4], nms_iou) if len(d) else np.zeros(0, np.int64)
            d = d[keep]
            d[:, :4] /= s
            outs.append(d)
    return outs


def evaluate(net, val, device, size):
    net.eval()
    dets = predict(net, [r["img"] for r in val], device, size)
    scores, tps, kinds = [], [], []
    n_gt = 0
    gt_kind = {}
    recall_hits = []  # (score_of_matching_det or -1, kind, small)
    for r, d in zip(val, dets):
        gt = r["boxes"]
        n_gt += len(gt)
        matched = np.zeros(len(gt), bool)
        best_score = np.full(len(gt), -1.0)
        if len(d) and len(gt):
            ious = iou_matrix(d[:, :4], gt)
        for j in np.argsort(-d[:, 4]) if len(d) else []:
            tp = False
            if len(gt):
                cand = np.where((ious[j] >= 0.5) & ~matched)[0]
                if len(cand):
                    g = cand[np.argmax(ious[j, cand])]
                    matched[g] = True
                    best_score[g] = d[j, 4]
                    tp = True
            scores.append(d[j, 4]); tps.append(tp); kinds.append(r["kind"])
        for g in range(len(gt)):
            s = data.letterbox_scale(r["img"], size)
            recall_hits.append((best_score[g], r["kind"], (gt[g, 2] - gt[g, 0]) * s < 32))
    scores, tps = np.array(scores), np.array(tps, bool)
    order = np.argsort(-scores)
    scores, tps = scores[order], tps[order]
    ctp = np.cumsum(tps); cfp = np.cumsum(~tps)
    prec = ctp / np.maximum(ctp + cfp, 1); rec = ctp / max(n_gt, 1)
    # AP50 (all-point interpolation)
    mprec = np.concatenate([[0], prec, [0]]); mrec = np.concatenate([[0], rec, [rec[-1] if len(rec) else 0]])
    for i in range(len(mprec) - 2, -1, -1):
        mprec[i] = max(mprec[i], mprec[i + 1])
    ap = float(np.sum((mrec[1:] - mrec[:-1]) * mprec[1:]))
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-9)
    if len(f1):
        bi = int(np.argmax(f1))
        thr = float(scores[bi])
        # threshold halfway to the next lower score keeps the same operating point but is less brittle
        if bi + 1 < len(scores):
            thr = float((scores[bi] + scores[bi + 1]) / 2)
        best = dict(f1=float(f1[bi]), precision=float(prec[bi]), recall=float(rec[bi]), threshold=round(thr, 3))
    else:
        best = dict(f1=0.0, precision=0.0, recall=0.0, threshold=0.5)
    per = {}
    hits = np.array([h[0] for h in recall_hits]); hk = np.array([h[1] for h in recall_hits]); hs = np.array([h[2] for h in recall_hits])
    for k in ("us", "veh", "ro"):
        m = hk == k
        per[k] = float((hits[m] >= best["threshold"]).mean()) if m.any() else None
    per["small<32px"] = float((hits[hs] >= best["threshold"]).mean()) if hs.any() else None
    per["n_small"] = int(hs.sum())
    fp_bg = int(sum(1 for s, t, k in zip(scores, tps, np.array(kinds)[order]) if k == "bg" and s >= best["threshold"]))
    return dict(ap50=ap, **best, recall_by_set=per, bg_false_positives=fp_bg, n_gt=n_gt, n_images=len(val))


# ---------------------------------------------------------------------------------------------

def write_manifest(onnx_path, threshold):
    update_manifest_entry(onnx_path, "plate-detector", {
        "input": {"name": "pixels", "layout": "NHWC", "dtype": "uint8", "channels": 3, "range": [0, 255], "pad_value": 128,
                  "stride": 32, "default_size": 640, "fast_size": 640},
        "output": {"name": "detections", "format": "x1y1x2y2score"},
        "recommended_threshold": round(float(threshold), 3),
        # Identity until `npx tsx scripts/calibrate-detector.ts DIR --write` fits it on this model's validation
        # split (export_val.py writes DIR): the engine maps raw scores to dscore through it.
        "calibration": {"a": 1, "b": 0},
    })


def do_export(state, out, threshold, metrics, args):
    from export_onnx import export
    net = PlateDet()
    net.load_state_dict(state)
    tmp = out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    export(net, tmp)
    os.replace(tmp, out)
    write_manifest(out, threshold)
    info = dict(metrics=metrics, onnx_bytes=os.path.getsize(out), sha256=file_sha256(out), args=vars(args),
                params=sum(p.numel() for p in net.parameters()))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "last_export.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(f"exported {out} ({info['onnx_bytes']} bytes) thr={threshold}", flush=True)


def main():
    args = parse_args()
    seed_all(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    t_start = time.time()
    recs = data.load_records(args.rebuild_cache)
    train_real = [r for r in recs if r["split"] == "train" and r["kind"] in ("us", "veh", "ro")]
    bg_train = [r for r in recs if r["split"] == "train" and r["kind"] == "bg"]
    val = [r for r in recs if r["split"] == "val" and r["kind"] in ("us", "veh", "ro", "bg")]
    pools = dict(crops=[r["img"] for r in recs if r["kind"] in ("crop_us", "crop_br")],
                 glyphs=[r["img"] for r in recs if r["kind"] == "glyph"], recolour_p=args.recolour_p)
    if args.rendered_p > 0:
        pools.update(rendered=data.rendered_plates(3000, args.seed + 500, [r["img"] for r in bg_train]),
                     rendered_p=args.rendered_p)
    print(f"train real {len(train_real)}, backgrounds {len(bg_train)}, val {len(val)} "
          f"({sum(len(r['boxes']) for r in val)} plates), loaded in {time.time() - t_start:.1f}s", flush=True)

    net = PlateDet().to(device)
    if args.init:
        net.load_state_dict(read_checkpoint(args.init)["ema"])
    if args.init_onnx:
        load_onnx_weights(net, args.init_onnx)
    ema = PlateDet().to(device)
    ema.load_state_dict(net.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    print(f"params {sum(p.numel() for p in net.parameters())}", flush=True)
    decay, no_decay = [], []
    for n_, p in net.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}],
                            lr=args.lr)

    def epoch_items(epoch):
        rng = np.random.RandomState(args.seed * 31 + epoch)
        items = [(r, "real") for r in train_real for _ in range(args.ro_repeat if r["kind"] == "ro" else 1)]
        items += [(bg_train[rng.randint(len(bg_train))], "synth") for _ in range(args.synth)]
        items += [(bg_train[rng.randint(len(bg_train))], "neg") for _ in range(args.neg)]
        rng.shuffle(items)
        return items[:args.limit] if args.limit else items

    steps_per_epoch = math.ceil(len(epoch_items(0)) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = min(300, steps_per_epoch)
    step = 0
    best_f1 = -1.0
    os.makedirs(args.ckpt, exist_ok=True)
    history = []
    if args.init_onnx:  # the starting point, so a fine-tune that only loses shows as such
        m = evaluate(ema, val, device, args.val_size)
        print(f"start: AP50 {m['ap50']:.3f} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
              f"@thr {m['threshold']} rec {m['recall_by_set']}", flush=True)
        best_f1 = m["f1"]  # export only what beats the model we started from
        torch.save({"ema": ema.state_dict(), "epoch": 0, "metrics": m}, os.path.join(args.ckpt, "best.pt"))
    for epoch in range(args.epochs):
        net.train()
        if args.init_onnx:
            freeze_bn(net)
        t0 = time.time()
        ds = EpochSet(epoch_items(epoch), pools, args.train_size, args.seed, epoch)
        loader = torch.utils.data.DataLoader(ds, batch_size=args.batch, shuffle=False, num_workers=args.workers,
                                             drop_last=True, persistent_workers=False)
        tl = tc = tb = 0.0
        n = 0
        for imgs, cls_t, box_t in loader:
            prog = (step - warm) / max(1, total - warm)
            if args.time_limit:  # anneal by wall-clock too, so a time-limited run still ends at a low LR
                prog = max(prog, (time.time() - t_start) / (args.time_limit * 60))
            prog = min(1.0, prog)
            lr = warmup_cosine_lr(args.lr, step, warm, prog)
            x = imgs.to(device).float().div_(255)
            cls, ltrb = net(x)
            loss, lc, lb = compute_loss(cls, ltrb, cls_t.to(device), box_t.to(device))
            step = optimiser_step(net, ema, opt, loss, lr, step)
            tl += float(loss); tc += float(lc); tb += float(lb); n += 1
            if n % 40 == 0:
                print(f"  epoch {epoch + 1} step {n}/{len(loader)} loss {tl / n:.3f} {time.time() - t0:.0f}s", flush=True)
        t_train = time.time() - t0
        last = epoch + 1 == args.epochs or (args.time_limit and time.time() - t_start > args.time_limit * 60)
        if (epoch + 1) % args.val_every and not last:
            print(f"epoch {epoch + 1}/{args.epochs} loss {tl / max(n, 1):.3f} (cls {tc / max(n, 1):.3f} box {tb / max(n, 1):.3f}) "
                  f"lr {lr:.2e} train {t_train:.0f}s | elapsed {(time.time() - t_start) / 60:.1f} min", flush=True)
            continue
        m = evaluate(ema, val, device, args.val_size)
        history.append(dict(epoch=epoch + 1, loss=tl / max(n, 1), **m))
        print(f"epoch {epoch + 1}/{args.epochs} loss {tl / max(n, 1):.3f} (cls {tc / max(n, 1):.3f} box {tb / max(n, 1):.3f}) "
              f"lr {lr:.2e} train {t_train:.0f}s val {time.time() - t0 - t_train:.0f}s | AP50 {m['ap50']:.3f} "
              f"P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} @thr {m['threshold']} "
              f"rec {m['recall_by_set']} bgFP {m['bg_false_positives']} | elapsed {(time.time() - t_start) / 60:.1f} min",
              flush=True)
        torch.save({"ema": ema.state_dict(), "net": net.state_dict(), "epoch": epoch + 1, "metrics": m},
                   os.path.join(args.ckpt, "last.pt"))
        if m["f1"] > best_f1:
            best_f1 = m["f1"]
            torch.save({"ema": ema.state_dict(), "epoch": epoch + 1, "metrics": m}, os.path.join(args.ckpt, "best.pt"))
            if not args.export_at_end_only and m["f1"] > args.min_f1_to_export:
                do_export({k: v.cpu() for k, v in ema.state_dict().items()}, args.out, m["threshold"],
                          dict(epoch=epoch + 1, **m, train_minutes=(time.time() - t_start) / 60), args)
        if args.time_limit and time.time() - t_start > args.time_limit * 60:
            print("time limit reached", flush=True)
            break
    best = read_checkpoint(os.path.join(args.ckpt, "best.pt"))
    if args.export_at_end_only and best["metrics"]["f1"] > args.min_f1_to_export:
        do_export(best["ema"], args.out, best["metrics"]["threshold"],
                  dict(epoch=best["epoch"], **best["metrics"], train_minutes=(time.time() - t_start) / 60), args)
    with open(os.path.join(args.ckpt, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    print(f"done in {(time.time() - t_start) / 60:.1f} min; best epoch {best['epoch']} F1 {best['metrics']['f1']:.3f}", flush=True)


if __name__ == "__main__":
    main()
