#!/usr/bin/env python3
"""Write an end-to-end validation set in openalpr format (COUNTRY/IMAGE + IMAGE-STEM.txt) from the reader's
held-out real crops (train.py load_real: us_val, br_val), so engine-level choices (test-time reading, re-ranking,
thresholds) are decided on photos the models never trained on and that are not the dev set we report.

Each held-out crop is pasted, in colour, as a distant plate (55-140 px wide, small rotation and perspective,
optional dark bumper surround) into a plate-free background photo upscaled to 1280x720; the whole frame then
gets mild blur and JPEG at a camera's quality. The box written is the plate's axis-aligned box.

    /usr/bin/python3 models/train/reader/export_e2e_val.py OUT_DIR [--per-crop 2] [--frame 1280x720] [--plate-px 55,140]

`--frame`, `--plate-px` and `--roll` make other sets from the same crops: the defaults are the validation set engine
choices are made on; `--frame 800x600 --plate-px 120,320` gives near plates in a small frame, the case where the
detector's second pass adds little to its first (detect.ts passSizes); `--roll 8,20` tilts every plate by 8-20 degrees, the
case the engine's deskew (deskew.ts) is for.
`--hosts` pastes each crop over the plate of a real car instead (the plate detector's validation photos, at their own
size, the car's plate blurred flat first): plates with a car around them, the context the dev photos have.
"""
import argparse
import glob
import math
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402

FRAME_W, FRAME_H = 1280, 720
PLATE_PX = (55, 140)


def paste(frame, plate, rng, plate_px=PLATE_PX, at=None, roll=None):
    """`plate` into `frame` at a random place and width (`plate_px`), or centred at `at` = (cx, cy, width).
    The plate is rolled by a small random angle (normal, 3 degrees), or with `roll` = (MIN, MAX) by an angle of
    MIN to MAX degrees either way."""
    frame_h, frame_w = frame.shape[:2]
    ph, pw = plate.shape[:2]
    if at is None:
        w = float(np.exp(rng.uniform(math.log(plate_px[0]), math.log(plate_px[1]))))
        h = w * ph / pw
        cx = rng.uniform(w, frame_w - w)
        cy = rng.uniform(frame_h * 0.35, max(frame_h * 0.35 + 1, frame_h - 2 * h))
    else:
        cx, cy, w = at
        h = w * ph / pw
    base = np.float32([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    base += rng.normal(0, 0.025, (4, 2)).astype(np.float32) * np.float32([w, h])
    a = math.radians(rng.normal(0, 3) if roll is None else rng.choice([-1, 1]) * rng.uniform(*roll))
    rot = np.float32([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = base @ rot.T + np.float32([cx, cy])
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    m = cv2.getPerspectiveTransform(src, dst)
    out = frame.astype(np.float32)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (frame_w, frame_h), flags=cv2.INTER_LINEAR)[..., None]
    if rng.rand() < 0.5:
        k = max(3, int(0.25 * h) | 1)
        surround = cv2.dilate(mask, np.ones((k, k), np.uint8))[..., None]
        out = out * (1 - surround * 0.7) + surround * 0.7 * rng.uniform(10, 70)
    warped = cv2.warpPerspective(plate.astype(np.float32), m, (frame_w, frame_h), flags=cv2.INTER_AREA)
    light = rng.uniform(0.6, 1.05)
    out = out * (1 - mask) + warped * light * mask
    x0, y0 = dst.min(0)
    x1, y1 = dst.max(0)
    return out, (int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0)))


def on_host(host, plate, rng):
    """`host` = (RGB photo, plate box) of the detector's validation split: its plate blurred flat, then `plate`
    pasted over it, wide enough to cover it (aspect kept), as a plate on a real car."""
    img, (x0, y0, x1, y1) = host
    frame = cv2.cvtColor(img, cv2.COLOR_RGB2BGR).astype(np.float32)
    a, b = int(max(0, x0)), int(max(0, y0))
    c, d = int(min(frame.shape[1], math.ceil(x1))), int(min(frame.shape[0], math.ceil(y1)))
    frame[b:d, a:c] = cv2.GaussianBlur(frame, (0, 0), max(2.0, 0.5 * (d - b)))[b:d, a:c]
    ph, pw = plate.shape[:2]
    w = max(x1 - x0, (y1 - y0) * pw / ph) * rng.uniform(1.05, 1.15)
    return paste(frame, plate, rng, at=((x0 + x1) / 2, (y0 + y1) / 2, w))


def camera(img, rng):
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.0))
    img = img + rng.normal(0, rng.uniform(1, 5), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), int(rng.uniform(55, 90))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--per-crop", type=int, default=2)
    ap.add_argument("--seed", type=int, default=50_000)
    ap.add_argument("--frame", default=f"{FRAME_W}x{FRAME_H}", help="frame size WxH")
    ap.add_argument("--plate-px", default=f"{PLATE_PX[0]},{PLATE_PX[1]}", help="plate width range MIN,MAX (log-uniform)")
    ap.add_argument("--roll", default="", metavar="MIN,MAX",
                    help="roll every plate by MIN to MAX degrees, either way (tilted plates), instead of about 3")
    ap.add_argument("--hosts", action="store_true",
                    help="paste each crop over a real plate of the plate detector's validation photos instead (on_host)")
    args = ap.parse_args()
    frame_w, frame_h = (int(v) for v in args.frame.lower().split("x"))
    plate_px = tuple(float(v) for v in args.plate_px.split(","))
    roll = tuple(float(v) for v in args.roll.split(",")) if args.roll else None
    real = train.load_real()
    bgs = sorted(glob.glob(os.path.join(train.DATA, "backgrounds/images/*.jpg")))
    hosts = train.load_hosts("val") if args.hosts else None
    n = 0
    for country, key, folder in (("us", "us_val", "us-plate-crops"), ("br", "br_val", "br-plate-crops")):
        os.makedirs(os.path.join(args.out, country), exist_ok=True)
        for i, (_, label, file) in enumerate(real[key]):
            plate = cv2.imread(os.path.join(train.DATA, folder, "images", file), cv2.IMREAD_COLOR)
            for k in range(args.per_crop):
                rng = np.random.RandomState(args.seed + 97 * i + k + (0 if country == "us" else 10_000_000))
                if hosts:
                    img, (x, y, w, h) = on_host(hosts[rng.randint(len(hosts))], plate, rng)
                else:
                    bg = cv2.imread(bgs[rng.randint(len(bgs))], cv2.IMREAD_COLOR)
                    frame = cv2.resize(bg, (frame_w, frame_h), interpolation=cv2.INTER_LINEAR)
                    img, (x, y, w, h) = paste(frame, plate, rng, plate_px, roll=roll)
                img, quality = camera(img, rng)
                stem = f"{country}-{i:03d}-{k}"
                cv2.imwrite(os.path.join(args.out, country, stem + ".jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, quality])
                with open(os.path.join(args.out, country, stem + ".txt"), "w") as f:
                    f.write(f"{stem}.jpg\t{x}\t{y}\t{w}\t{h}\t{label}\n")
                n += 1
    print(f"{n} images -> {args.out}")


if __name__ == "__main__":
    main()
