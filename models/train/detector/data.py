"""Data loading, caching, splitting, augmentation and target assignment for the plate detector.

All images are decoded once, (ro-dashcam frames downscaled to 960x540) and cached as uint8 RGB in one
flat buffer in models/.cache/detector_data.npz (git-ignored), so epochs need no JPEG decoding.
"""
import glob
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

import cv2
import numpy as np

cv2.setNumThreads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import datapaths  # noqa: E402

ROOT = datapaths.ROOT
DATA = datapaths.DATASETS  # ../shared/datasets, or a training pack (datapaths.py)
CACHE = os.path.join(ROOT, "models", ".cache", f"detector_data_v1{datapaths.cache_tag()}.npz")
STRIDE = 8
CACHE_VERSION = 1


def _stable_frac(name):
    """deterministic pseudo-random number in [0,1) from a string (for splits)."""
    return int(hashlib.md5(name.encode()).hexdigest()[:8], 16) / 2 ** 32


def _read(path, max_side=None):
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(path)
    im = cv2.cvtColor(im, cv2.COLOR_BGR2RGB)
    scale = 1.0
    if max_side and max(im.shape[:2]) > max_side:
        scale = max_side / max(im.shape[:2])
        im = cv2.resize(im, (round(im.shape[1] * scale), round(im.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    return im, scale


def _yolo_boxes(label_path, w, h, cls_keep=0):
    boxes = []
    if os.path.exists(label_path):
        for line in open(label_path):
            p = line.split()
            if len(p) < 5 or int(float(p[0])) != cls_keep:
                continue
            cx, cy, bw, bh = (float(v) for v in p[1:5])
            boxes.append([(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h])
    return np.array(boxes, np.float32).reshape(-1, 4)


def _collect():
    """returns list of (kind, split, name, path, boxes_loader) descriptors -> records."""
    recs = []  # dict(kind, split, name, img, boxes)

    # us-plates-yolo: merge the dataset's splits and re-split by source photo (name before '.rf.').
    # 'i_jpg' is a generic name shared by many unrelated frames -> always train (cannot group it).
    d = os.path.join(DATA, "us-plates-yolo")
    for path in sorted(glob.glob(os.path.join(d, "*", "images", "*.jpg"))):
        name = os.path.basename(path)
        src = name.split(".rf.")[0]
        split = "val" if (src != "i_jpg" and _stable_frac("us:" + src) < 0.2) else "train"
        im, _ = _read(path)
        lab = os.path.join(os.path.dirname(os.path.dirname(path)), "labels", name[:-4] + ".txt")
        recs.append(dict(kind="us", split=split, name=name, img=im,
                         boxes=_yolo_boxes(lab, im.shape[1], im.shape[0])))

    # vehicle-plate-yolo: distinct Open Images photos; dataset 'valid' -> our val, train+test -> train.
    d = os.path.join(DATA, "vehicle-plate-yolo")
    for path in sorted(glob.glob(os.path.join(d, "*", "images", "*.jpg"))):
        name = os.path.basename(path)
        part = path.split(os.sep)[-3]
        im, _ = _read(path)
        lab = os.path.join(os.path.dirname(os.path.dirname(path)), "labels", name[:-4] + ".txt")
        recs.append(dict(kind="veh", split="val" if part == "valid" else "train", name=name, img=im,
                         boxes=_yolo_boxes(lab, im.shape[1], im.shape[0], 0)))

    # ro-dashcam-voc: highly correlated frames; per drive, the last 20% of the timeline is val.
    d = os.path.join(DATA, "ro-dashcam-voc")
    items = []
    for xml in sorted(glob.glob(os.path.join(d, "*", "annots", "*.xml"))):
        root = ET.parse(xml).getroot()
        fn = root.find("filename").text
        img_path = os.path.join(os.path.dirname(os.path.dirname(xml)), "images", fn)
        if not os.path.exists(img_path):
            img_path = os.path.join(os.path.dirname(os.path.dirname(xml)), "images", os.path.basename(xml)[:-4] + ".jpg")
        boxes = []
        for o in root.findall("object"):
            if o.find("name").text.strip() != "license-plate":
                continue
            b = o.find("bndbox")
            boxes.append([float(b.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax")])
        drive, t = fn.split(".mp4_t")
        items.append((drive, int(t.split(".")[0]), img_path, np.array(boxes, np.float32).reshape(-1, 4)))
    for drive in sorted(set(i[0] for i in items)):
        its = sorted([i for i in items if i[0] == drive], key=lambda i: i[1])
        cut = int(round(len(its) * 0.8))
        for k, (_, t, p, b) in enumerate(its):
            im, s = _read(p, 960)
            recs.append(dict(kind="ro", split="train" if k < cut else "val", name=os.path.basename(p), img=im, boxes=b * s))

    # backgrounds (negatives / compositing canvases): 10% held out as val negatives.
    for path in sorted(glob.glob(os.path.join(DATA, "backgrounds", "images", "*.jpg"))):
        name = os.path.basename(path)
        im, _ = _read(path, 640)
        recs.append(dict(kind="bg", split="val" if _stable_frac("bg:" + name) < 0.1 else "train", name=name, img=im,
                         boxes=np.zeros((0, 4), np.float32)))

    # plate crops for compositing (train only; they are whole-plate crops).
    for kind, sub in (("crop_us", "us-plate-crops"), ("crop_br", "br-plate-crops")):
        for path in sorted(glob.glob(os.path.join(DATA, sub, "images", "*.jpg"))):
            im, _ = _read(path, 320)
            recs.append(dict(kind=kind, split="train", name=os.path.basename(path), img=im, boxes=np.zeros((0, 4), np.float32)))
    # glyphs for rendering synthetic EU/UK-style plates
    for path in sorted(glob.glob(os.path.join(DATA, "plate-chars", "gb", "*.jpg"))):
        im, _ = _read(path)
        recs.append(dict(kind="glyph", split="train", name=os.path.basename(path), img=im, boxes=np.zeros((0, 4), np.float32)))
    return recs


def load_records(rebuild=False):
    if not rebuild and os.path.exists(CACHE):
        z = np.load(CACHE)
        if int(z["version"]) == CACHE_VERSION:
            buf, offs, shapes = z["buf"], z["offs"], z["shapes"]
            boxes_all, box_offs = z["boxes"], z["box_offs"]
            meta = [m.split("|") for m in z["meta"].tolist()]
            recs = []
            for i, (kind, split, name) in enumerate(meta):
                h, w = shapes[i]
                recs.append(dict(kind=kind, split=split, name=name,
                                 img=buf[offs[i]:offs[i] + h * w * 3].reshape(h, w, 3),
                                 boxes=boxes_all[box_offs[i]:box_offs[i + 1]].copy()))
            return recs
    recs = _collect()
    sizes = [r["img"].size for r in recs]
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    buf = np.concatenate([r["img"].reshape(-1) for r in recs])
    box_offs = np.concatenate([[0], np.cumsum([len(r["boxes"]) for r in recs])]).astype(np.int64)
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    np.savez(CACHE, version=CACHE_VERSION, buf=buf, offs=offs,
             shapes=np.array([r["img"].shape[:2] for r in recs], np.int64),
             boxes=np.concatenate([r["boxes"] for r in recs]).astype(np.float32).reshape(-1, 4), box_offs=box_offs,
             meta=np.array(["|".join((r["kind"], r["split"], r["name"])) for r in recs]))
    return recs


# ----------------------------------------------------------------------------------------------
# augmentation

def letterbox(img, size):
    """engine-identical letterbox: keep aspect, scale to fit size x size, top-left, pad 0.5 grey."""
    h, w = img.shape[:2]
    s = size / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    canvas = np.full((size, size, 3), 127, np.uint8)
    canvas[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    return canvas, s


def _photometric(img, rng):
    img = img.astype(np.float32)
    if rng.rand() < 0.8:  # brightness / contrast / per-channel gain
        a = rng.uniform(0.6, 1.4)
        b = rng.uniform(-40, 40)
        gains = rng.uniform(0.85, 1.15, 3).astype(np.float32)
        img = img * a * gains + b
    if rng.rand() < 0.3:  # saturation
        grey = img.mean(2, keepdims=True)
        img = grey + (img - grey) * rng.uniform(0.0, 1.6)
    r = rng.rand()
    if r < 0.12:  # grey
        img = np.repeat(img.mean(2, keepdims=True), 3, 2)
    elif r < 0.2:  # IR look: grey, high contrast, gamma, noise
        g = img.mean(2, keepdims=True) / 255.0
        g = np.clip(g, 0, 1) ** rng.uniform(0.5, 2.0)
        g = (g - 0.5) * rng.uniform(1.0, 2.0) + 0.5 + rng.uniform(-0.2, 0.2)
        img = np.repeat(g * 255.0, 3, 2)
    img = np.clip(img, 0, 255)
    if rng.rand() < 0.25:
        k = rng.choice([3, 5])
        img = cv2.GaussianBlur(img, (k, k), 0)
    elif rng.rand() < 0.1:  # horizontal motion blur
        k = rng.choice([3, 5, 7])
        ker = np.zeros((k, k), np.float32)
        ker[k // 2] = 1.0 / k
        img = cv2.filter2D(img, -1, ker)
    if rng.rand() < 0.15:
        img = img + rng.normal(0, rng.uniform(2, 12), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _place(img, boxes, scale, T, rng, fill=127):
    """scale img, place into/crop to T x T canvas; biased to keep a plate in view."""
    h, w = img.shape[:2]
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    im = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    b = boxes * scale
    # choose offset of the canvas inside the scaled image (can be negative = padding)
    def pick(n, lo_box, hi_box):
        if n <= T:
            return -rng.randint(0, T - n + 1) if rng.rand() < 0.5 else 0
        if lo_box is not None and rng.rand() < 0.8:
            c = rng.uniform(lo_box, hi_box)
            return int(np.clip(c - rng.uniform(0.1, 0.9) * T, 0, n - T))
        return rng.randint(0, n - T + 1)
    if len(b):
        j = rng.randint(len(b))
        ox = pick(nw, b[j, 0], b[j, 2])
        oy = pick(nh, b[j, 1], b[j, 3])
    else:
        ox, oy = pick(nw, None, None), pick(nh, None, None)
    canvas = np.full((T, T, 3), fill, np.uint8)
    sx0, sy0 = max(ox, 0), max(oy, 0)
    sx1, sy1 = min(ox + T, nw), min(oy + T, nh)
    canvas[sy0 - oy:sy1 - oy, sx0 - ox:sx1 - ox] = im[sy0:sy1, sx0:sx1]
    b = b - np.array([ox, oy, ox, oy], np.float32)
    return canvas, b, (sx0 - ox, sy0 - oy, sx1 - ox, sy1 - oy)


def _clip_boxes(b, T):
    """returns (kept boxes, ignore boxes): boxes less than half visible become ignore regions."""
    if len(b) == 0:
        return b, b
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    c = np.clip(b, 0, T)
    carea = np.clip(c[:, 2] - c[:, 0], 0, None) * np.clip(c[:, 3] - c[:, 1], 0, None)
    vis = carea / np.maximum(area, 1e-6)
    keep = (vis >= 0.5) & (c[:, 2] - c[:, 0] >= 2) & (c[:, 3] - c[:, 1] >= 2)
    ign = (~keep) & (carea > 0)
    return c[keep], c[ign]


# --- synthetic plates ------------------------------------------------------------------------

EU_COLOURS = [((255, 255, 255), (20, 20, 20)), ((250, 210, 30), (20, 20, 20)), ((240, 240, 235), (30, 30, 30))]


def render_plate(rng, glyphs):
    """an EU/UK-style plate: white/yellow body, optional blue band, glyph crops or Hershey text."""
    H = 40
    n = rng.randint(5, 9)
    body, ink = EU_COLOURS[rng.randint(len(EU_COLOURS))]
    body = np.array(body, np.float32) * rng.uniform(0.7, 1.0)
    char_w = rng.randint(16, 22)
    band = rng.rand() < 0.7
    bw = 14 if band else 0
    W = bw + 8 + n * (char_w + 2) + rng.randint(0, 14) + 6
    plate = np.empty((H, W, 3), np.float32)
    plate[:] = body
    if band:
        plate[:, :bw] = (20, 50, 160)
    x = bw + 6
    gap_at = rng.randint(2, n - 1)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    for i in range(n):
        if i == gap_at:
            x += rng.randint(4, 10)
        if glyphs and rng.rand() < 0.6:
            g = glyphs[rng.randint(len(glyphs))].astype(np.float32).mean(2)
            g = cv2.resize(g, (char_w, H - 10))
            g = (g - g.min()) / max(1.0, g.max() - g.min())   # dark glyph on bright -> alpha = 1 - g
            alpha = np.clip((0.6 - g) * 3, 0, 1)[..., None]
            seg = plate[5:H - 5, x:x + char_w]
            plate[5:H - 5, x:x + char_w] = seg * (1 - alpha[:, :seg.shape[1]]) + np.array(ink, np.float32) * alpha[:, :seg.shape[1]]
        else:
            ch = letters[rng.randint(len(letters))]
            cv2.putText(plate, ch, (x, H - 8), cv2.FONT_HERSHEY_SIMPLEX, 1.05, ink, rng.randint(2, 4), cv2.LINE_AA)
        x += char_w + 2
    cv2.rectangle(plate, (0, 0), (W - 1, H - 1), (30, 30, 30), 1)
    return np.clip(plate, 0, 255).astype(np.uint8)


def rendered_plates(n, seed, backgrounds):
    """`n` colour plates from the reader's generator (models/train/synth/platesynth.py): US plates in their many
    colour schemes (yellow, orange, blue, black...), EU/UK, Brazilian and Mercosur layouts, one- and two-row,
    emblems included. The real crops are mostly white US and grey BR plates, and the detector missed yellow ones."""
    import sys
    sys.path.insert(0, os.path.join(ROOT, "models", "train", "synth"))
    import platesynth as ps
    kinds = [k for k in ps.SYNTH_KINDS if k != "GLYPH"]
    w = np.array([v for k, v in zip(ps.SYNTH_KINDS, ps.SYNTH_WEIGHTS) if k != "GLYPH"])
    greys = [b.mean(2).astype(np.uint8) for b in backgrounds[:20]]  # scenic US plates blend a photo in
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        kind = kinds[rng.choice(len(kinds), p=w / w.sum())]
        rgb, _ = ps.render_plate(rng, kind, greys, None, emblems=True)
        out.append(np.clip(rgb, 0, 255).astype(np.uint8))
    return out


def paste_plates(canvas, rng, crops, glyphs, n, rendered=None, rendered_p=0.0):
    T = canvas.shape[0]
    boxes = []
    out = canvas.astype(np.float32)
    for _ in range(n):
        r = rng.rand()
        if rendered and r < rendered_p:  # in place of the EU-style renders: the real crops keep their share
            plate = rendered[rng.randint(len(rendered))]
        elif r < 0.35:
            plate = render_plate(rng, glyphs)
        else:
            plate = crops[rng.randint(len(crops))]
        ph, pw = plate.shape[:2]
        # width log-uniform 10..220 px, favouring small plates
        w = float(np.exp(rng.uniform(np.log(12), np.log(220))))
        h = w * ph / pw * rng.uniform(0.85, 1.15)
        if h < 4:
            continue
        # random perspective: small rotation/shear
        src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
        ang = np.deg2rad(rng.uniform(-8, 8))
        cx, cy = rng.uniform(w / 2, T - w / 2), rng.uniform(h / 2, T - h / 2)
        base = np.float32([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
        base += rng.uniform(-0.06, 0.06, (4, 2)).astype(np.float32) * np.float32([w, h])
        R = np.float32([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        dst = base @ R.T + np.float32([cx, cy])
        M = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        pl = plate.astype(np.float32) * rng.uniform(0.5, 1.1) + rng.uniform(-30, 20)
        warped = cv2.warpPerspective(pl, M, (T, T), flags=cv2.INTER_AREA if w < pw else cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), M, (T, T), flags=cv2.INTER_LINEAR)[..., None]
        # avoid heavy overlap with earlier pasted plates
        x1, y1 = dst.min(0)
        x2, y2 = dst.max(0)
        bb = np.array([x1, y1, x2, y2], np.float32)
        if any(_iou1(bb, o) > 0.05 for o in boxes):
            continue
        # optional dark surround (bumper / frame)
        if rng.rand() < 0.5:
            pad = max(1.0, 0.12 * h)
            surround = cv2.dilate(mask, np.ones((int(2 * pad) + 1, int(2 * pad) + 1), np.uint8))[..., None] if mask.ndim == 3 else None
            if surround is not None:
                out = out * (1 - surround * 0.6) + surround * 0.6 * rng.uniform(10, 80)
        out = out * (1 - mask) + warped * mask
        boxes.append(bb)
    return np.clip(out, 0, 255).astype(np.uint8), np.array(boxes, np.float32).reshape(-1, 4)


def _iou1(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-6)


# RGB bodies of plates our real photos rarely show: yellow (Alaska, New York, UK rear, NL), orange, green,
# light blue, cream.
PLATE_TINTS = [(250, 205, 40), (245, 225, 90), (250, 165, 40), (150, 205, 130), (160, 200, 240), (240, 230, 200)]


def recolour_plates(img, boxes, rng, invert_p=0.25):
    """The real plates in colours they seldom have in our photos: almost all are white US or grey BR bodies, and
    the detector missed a clear yellow plate. Each box's luma is remapped from a dark ink to a tinted body, so
    the characters stay dark on a coloured plate; with `invert_p` the luma is inverted first (light characters
    on a dark plate, e.g. old California black or dark-blue designs)."""
    out = img.astype(np.float32)
    H, W = img.shape[:2]
    for b in boxes:
        x0, y0 = max(0, int(b[0])), max(0, int(b[1]))
        x1, y1 = min(W, int(np.ceil(b[2]))), min(H, int(np.ceil(b[3])))
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        # the box and a margin, feathered, so no tinted rectangle edge becomes the cue
        m = max(2, int(0.15 * (y1 - y0)))
        X0, Y0, X1, Y1 = max(0, x0 - m), max(0, y0 - m), min(W, x1 + m), min(H, y1 + m)
        reg = out[Y0:Y1, X0:X1]
        mask = np.zeros(reg.shape[:2], np.float32)
        mask[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = 1
        mask = cv2.GaussianBlur(mask, (0, 0), max(0.5, 0.06 * (y1 - y0)))[..., None]
        g = reg.mean(2, keepdims=True) / 255.0
        if rng.rand() < invert_p:
            g = 1 - g
        body = np.array(PLATE_TINTS[rng.randint(len(PLATE_TINTS))], np.float32) * rng.uniform(0.8, 1.05)
        ink = rng.uniform(0, 40, 3).astype(np.float32)
        out[Y0:Y1, X0:X1] = reg * (1 - mask) + (ink + g * (body - ink)) * mask
    return np.clip(out, 0, 255).astype(np.uint8)


def make_sample(rec, T, rng, mode, pools):
    """mode: 'real' | 'neg' | 'synth'.  Returns uint8 HxWx3 image, boxes, ignore boxes."""
    img = rec["img"]
    if mode == "real" and len(rec["boxes"]) and rng.rand() < pools.get("recolour_p", 0.0):
        img = recolour_plates(img, rec["boxes"], rng)
    S = rng.uniform(512, 640)  # letterbox size the image would get at inference
    base = S / max(img.shape[:2])
    if mode == "real":
        lo, hi = (0.5, 1.6) if rec["kind"] != "ro" else (0.7, 2.0)
        scale = base * float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        canvas, b, valid = _place(img, rec["boxes"], scale, T, rng)
    else:
        scale = base * float(np.exp(rng.uniform(np.log(0.7), np.log(1.8))))
        canvas, b, valid = _place(img, np.zeros((0, 4), np.float32), scale, T, rng)
        if mode == "synth":
            canvas, b = paste_plates(canvas, rng, pools["crops"], pools["glyphs"], rng.randint(1, 5),
                                     pools.get("rendered"), pools.get("rendered_p", 0.0))
    if rng.rand() < 0.5:
        canvas = canvas[:, ::-1].copy()
        valid = (T - valid[2], valid[1], T - valid[0], valid[3])
        if len(b):
            b = np.stack([T - b[:, 2], b[:, 1], T - b[:, 0], b[:, 3]], 1)
    canvas = _photometric(canvas, rng)
    # padding stays exact 0.5 grey, as the engine's letterbox padding
    x0, y0, x1, y1 = valid
    out = np.full_like(canvas, 127)
    out[y0:y1, x0:x1] = canvas[y0:y1, x0:x1]
    canvas = out
    keep, ign = _clip_boxes(b, T)
    return canvas, keep, ign


def assign_targets(boxes, ignore, H, W, stride=STRIDE):
    """FCOS-like assignment on the stride-`stride` grid.
    cls: 1 positive, 0 negative, -1 ignore.  Positive cells: centre within a central region of the box
    (half-size 0.25 w/h, at least 0.6 stride so every box gets >= 1 cell). Remaining cells inside a box are
    ignored.  A cell claimed by several boxes goes to the smallest.  Returns cls [h,w], box [h,w,4] xyxy."""
    h, w = H // stride, W // stride
    cls = np.zeros((h, w), np.float32)
    tgt = np.zeros((h, w, 4), np.float32)
    best = np.full((h, w), np.inf, np.float32)
    xs = (np.arange(w, dtype=np.float32) + 0.5) * stride
    ys = (np.arange(h, dtype=np.float32) + 0.5) * stride
    for b in ignore:
        x0, x1 = np.searchsorted(xs, b[0]), np.searchsorted(xs, b[2])
        y0, y1 = np.searchsorted(ys, b[1]), np.searchsorted(ys, b[3])
        cls[y0:y1, x0:x1] = -1
    for b in boxes:
        x0, x1 = np.searchsorted(xs, b[0]), np.searchsorted(xs, b[2])
        y0, y1 = np.searchsorted(ys, b[1]), np.searchsorted(ys, b[3])
        region = cls[y0:y1, x0:x1]
        region[region == 0] = -1
    for b in boxes[np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))] if len(boxes) else []:
        bw, bh = b[2] - b[0], b[3] - b[1]
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        rx, ry = max(0.25 * bw, 0.6 * stride), max(0.25 * bh, 0.6 * stride)
        mx = np.abs(xs - cx) <= rx
        my = np.abs(ys - cy) <= ry
        if not mx.any() or not my.any():
            continue
        area = bw * bh
        m = my[:, None] & mx[None, :] & (area <= best)
        cls[m] = 1
        tgt[m] = b
        best[m] = area
    return cls, tgt


def letterbox_scale(img, size):
    return size / max(img.shape[:2])
