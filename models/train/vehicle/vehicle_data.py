"""Vehicle boxes for the vehicle detector: real labels where a dataset has them, teacher labels where not.

- vehicles-yolo (bus/car/motorbike/truck; person ignored) and vehicle-plate-yolo (vehicle class): their own
  train/valid/test splits; valid picks the threshold and calibration, test is only reported.
- us-plates-yolo, ro-dashcam-voc (train splits) and backgrounds: nobody boxed their vehicles, so the FastestDet
  teacher (teacher.py) does: confident boxes become targets, doubtful ones are ignored (neither positive nor
  negative), and every plate that no confident box contains gets an ignore region around it, because a plate
  almost always sits on a vehicle the teacher missed.

Decoded once (max side 640) and cached in models/.cache/vehicle_data_v1.pkl (git-ignored).
"""
import glob
import os
import pickle
import sys
import xml.etree.ElementTree as ET

import cv2
import numpy as np

from teacher import iou

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "detector"))
import data as plate_data  # noqa: E402

DATA = plate_data.DATA
CACHE = os.path.join(plate_data.ROOT, "models", ".cache", "vehicle_data_v1.pkl")
MAX_SIDE = 640
TEACHER_POSITIVE = 0.55
TEACHER_IGNORE = 0.3
# Round 2: a box of ours this confident that contains a plate is taken as that plate's vehicle.
PLATE_EVIDENCE_MIN_SCORE = 0.1
# vehicles-yolo classes: 0 bus, 1 car, 2 motorbike, 3 person, 4 truck
VY_VEHICLES = {0: "bus", 1: "car", 2: "motorcycle", 4: "truck"}


def _read(path):
    im, s = plate_data._read(path, MAX_SIDE)
    return im, s


def _yolo(path, w, h, keep):
    """{class: [x1,y1,x2,y2]} rows of a YOLO label file for the classes in `keep`."""
    out = []
    lab = path.replace("/images/", "/labels/").rsplit(".", 1)[0] + ".txt"
    if os.path.exists(lab):
        for line in open(lab):
            p = line.split()
            if len(p) >= 5 and int(float(p[0])) in keep:
                cx, cy, bw, bh = (float(v) for v in p[1:5])
                out.append((int(float(p[0])), [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h]))
    return out


def _arr(rows):
    return np.array(rows, np.float32).reshape(-1, 4)


def _contains(v, p, slack=0.1):
    """vehicle box v contains plate box p (with a little slack: plates sit on the bumper edge)."""
    sw, sh = (p[2] - p[0]) * slack, (p[3] - p[1]) * slack
    return v[0] <= p[0] + sw and v[1] <= p[1] + sh and v[2] >= p[2] - sw and v[3] >= p[3] - sh


def car_region(p, w, h):
    """Where the car carrying plate p must be: about six plate widths wide and five tall, the plate low in the
    middle; clipped to the w x h image."""
    pw = p[2] - p[0]
    return [max(0, p[0] - 3.5 * pw), max(0, p[1] - 4.5 * pw), min(w, p[2] + 3.5 * pw), min(h, p[3] + pw)]


def teacher_record(teacher, img_rgb, plates, source, name):
    dets = teacher(cv2.cvtColor(img_rgb, cv2.COLOR_RGB2BGR), TEACHER_IGNORE)
    pos = [d[:4] for d in dets if d[4] >= TEACHER_POSITIVE]
    ign = [d[:4] for d in dets if d[4] < TEACHER_POSITIVE]
    h, w = img_rgb.shape[:2]
    for p in plates:
        if not any(_contains(v, p) for v in pos):
            ign.append(car_region(p, w, h))
    return dict(source=source, split="train", name=name, img=img_rgb, boxes=_arr(pos), ignore=_arr(ign),
                plates=_arr(plates), labelled_by="teacher")


def _collect():
    from teacher import Teacher
    teacher = Teacher()
    recs = []
    split_of = {"train": "train", "valid": "val", "test": "test"}
    for sub, split in split_of.items():
        for path in sorted(glob.glob(os.path.join(DATA, "vehicles-yolo", sub, "images", "*.jpg"))):
            im, _ = _read(path)
            h, w = im.shape[:2]
            rows = _yolo(path, w, h, set(VY_VEHICLES) | {3})
            recs.append(dict(source="vehicles-yolo", split=split, name=os.path.basename(path), img=im,
                             boxes=_arr([b for c, b in rows if c in VY_VEHICLES]),
                             classes=[VY_VEHICLES[c] for c, _ in rows if c in VY_VEHICLES],
                             ignore=_arr([]), plates=_arr([]), labelled_by="human"))
        for path in sorted(glob.glob(os.path.join(DATA, "vehicle-plate-yolo", sub, "images", "*.jpg"))):
            im, _ = _read(path)
            h, w = im.shape[:2]
            rows = _yolo(path, w, h, {0, 1})
            recs.append(dict(source="vehicle-plate-yolo", split=split, name=os.path.basename(path), img=im,
                             boxes=_arr([b for c, b in rows if c == 1]), ignore=_arr([]),
                             plates=_arr([b for c, b in rows if c == 0]), labelled_by="human"))
    # us-plates-yolo is augmented x3: one version per source photo (name before '.rf.') is enough here.
    seen = set()
    for path in sorted(glob.glob(os.path.join(DATA, "us-plates-yolo", "train", "images", "*.jpg"))):
        key = os.path.basename(path).split(".rf.")[0]
        if key in seen and key != "i_jpg":
            continue
        seen.add(key)
        im, _ = _read(path)
        h, w = im.shape[:2]
        recs.append(teacher_record(teacher, im, [b for _, b in _yolo(path, w, h, {0})], "us-plates-yolo",
                                   os.path.basename(path)))
    for path in sorted(glob.glob(os.path.join(DATA, "ro-dashcam-voc", "train", "images", "*"))):
        im, s = _read(path)
        xml = os.path.join(DATA, "ro-dashcam-voc", "train", "annots", os.path.splitext(os.path.basename(path))[0] + ".xml")
        plates = []
        if os.path.exists(xml):
            for o in ET.parse(xml).getroot().iter("bndbox"):
                plates.append([float(o.find(k).text) * s for k in ("xmin", "ymin", "xmax", "ymax")])
        recs.append(teacher_record(teacher, im, plates, "ro-dashcam-voc", os.path.basename(path)))
    for path in sorted(glob.glob(os.path.join(DATA, "backgrounds", "images", "*"))):
        im, _ = _read(path)
        recs.append(teacher_record(teacher, im, [], "backgrounds", os.path.basename(path)))
    return recs


def load_records(rebuild=False):
    if os.path.exists(CACHE) and not rebuild:
        with open(CACHE, "rb") as f:
            return pickle.load(f)
    sys.path.insert(0, HERE)
    recs = _collect()
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    with open(CACHE + ".tmp", "wb") as f:
        pickle.dump(recs, f, protocol=4)
    os.replace(CACHE + ".tmp", CACHE)
    return recs


def correct_teacher_labels(recs, predict, threshold):
    """Second round: our own detector (`predict(images) -> [N,5] arrays`, raw scores) corrects the teacher.
    Teacher boxes our model does not see at all are demoted to ignore; confident boxes of ours the teacher
    missed become targets; doubtful ones of ours are ignored. A plate still off every target takes our best
    vehicle-sized box around it as its vehicle (the plate is the evidence), else keeps its ignore region. Returns new records (the human-labelled ones unchanged)."""
    out = []
    todo = [r for r in recs if r.get("labelled_by") == "teacher"]
    dets = predict([r["img"] for r in todo])
    fixed = {}
    for r, d in zip(todo, dets):
        teacher = r["boxes"]
        ours = d[d[:, 4] >= threshold, :4]
        doubt = d[(d[:, 4] >= 0.5 * threshold) & (d[:, 4] < threshold), :4]
        seen = d[d[:, 4] >= 0.2 * threshold, :4]
        sees = [any(iou(t, o) >= 0.5 for o in seen) for t in teacher]
        keep_t = [t for t, s in zip(teacher, sees) if s]
        drop_t = [t for t, s in zip(teacher, sees) if not s]
        pos = list(keep_t) + [o for o in ours if all(iou(o, t) < 0.5 for t in keep_t)]
        h, w = r["img"].shape[:2]
        ign = [b for b in r["ignore"] if not any(_contains(b, p) for p in r["plates"])] + drop_t + list(doubt)
        for p in r["plates"]:
            if any(_contains(v, p) for v in pos):
                continue
            # A plate is on a vehicle: our best box around it (vehicle-sized, however weak) becomes the target.
            pw = p[2] - p[0]
            around = [o for o in d if o[4] >= PLATE_EVIDENCE_MIN_SCORE and _contains(o, p) and o[2] - o[0] >= 2.5 * pw]
            if around:
                pos.append(max(around, key=lambda o: o[4])[:4])
            else:
                ign.append(car_region(p, w, h))
        fixed[id(r)] = dict(r, boxes=_arr(pos), ignore=_arr(ign), labelled_by="teacher+ours")
    for r in recs:
        out.append(fixed.get(id(r), r))
    return out


def _tilt(img, boxes, ign, rng):
    """High-mounted camera look: squeeze the top (or bottom) edge, as a downward-tilted view does."""
    h, w = img.shape[:2]
    k = rng.uniform(0.05, 0.2) * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[k, 0], [w - k, 0], [w, h], [0, h]]) if rng.rand() < 0.7 else np.float32([[0, 0], [w, 0], [w - k, h], [k, h]])
    M = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(img, M, (w, h), borderValue=(127, 127, 127))

    def warp(b):
        if not len(b):
            return b
        pts = np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], 1).reshape(-1, 1, 2)
        q = cv2.perspectiveTransform(pts.astype(np.float32), M).reshape(-1, 4, 2)
        return np.concatenate([q.min(1), q.max(1)], 1).astype(np.float32)
    return out, warp(boxes), warp(ign)


def make_sample(rec, T, rng):
    """Random scale around 'letterboxed to T', crop/pad to T x T, flip, high-angle tilt, photometric jitter (IR,
    night, blur)."""
    img, boxes = rec["img"], rec["boxes"]
    ign = rec["ignore"]
    if rng.rand() < 0.25:
        img, boxes, ign = _tilt(img, boxes, ign, rng)
    h, w = img.shape[:2]
    scale = T / max(h, w) * float(np.exp(rng.uniform(np.log(0.7), np.log(1.8))))
    allb = np.concatenate([boxes, ign]) if len(ign) else boxes
    canvas, b, _ = plate_data._place(img, allb, scale, T, rng)
    kb, ki = b[:len(boxes)], b[len(boxes):]
    keep, partial = plate_data._clip_boxes(kb, T)
    ign_c = np.clip(ki, 0, T) if len(ki) else ki
    ign_all = np.concatenate([partial, ign_c]) if len(ign_c) else partial
    if rng.rand() < 0.5:
        canvas = canvas[:, ::-1]
        flip = lambda a: np.stack([T - a[:, 2], a[:, 1], T - a[:, 0], a[:, 3]], 1) if len(a) else a  # noqa: E731
        keep, ign_all = flip(keep), flip(ign_all)
    canvas = plate_data._photometric(np.ascontiguousarray(canvas), rng)
    if rng.rand() < 0.15:  # night: dark with a lifted noise floor
        g = rng.uniform(1.5, 2.5)
        canvas = np.clip(255 * (canvas / 255.0) ** g + rng.normal(0, 4, canvas.shape), 0, 255).astype(np.uint8)
    return canvas, keep.astype(np.float32), ign_all.astype(np.float32).reshape(-1, 4)
