#!/usr/bin/env python3
"""Busy full-resolution frames from the detector's held-out real photos: export_val.py's images tiled into
1920x1080 mosaics, so plates keep the size they have in their own photo (18-160 px wide) inside a frame the
engine's passes see shrunk, as a 1080p street camera shows distant cars. No validation set of ours otherwise
has small real plates in full-resolution frames (the end-to-end validation photos paste crops onto plate-free
backgrounds; the 416 px and 960x540 photos are below the larger pass, which sees every pixel of them).

    /usr/bin/python3 models/train/detector/export_val.py /tmp/detval
    /usr/bin/python3 models/train/detector/export_mosaic.py /tmp/detval /tmp/mosaic
    npx tsx scripts/pipeline-recall.ts /tmp/mosaic

Per source: 416x416 photos (us, veh) 4 across and 2 down at their own scale (1664x832, top-left, the rest
grey); 960x540 dashcam frames (ro) 3 x 3, shrunk by 2/3 to fill the frame (their plates then 35-135 px).
Photos keep export_val.py's order; plate-free backgrounds are left out (the other sets count false plates).
"""
import json
import os
import sys

import cv2
import numpy as np

FRAME_W, FRAME_H = 1920, 1080
GREY = 128


def tiles(kind):
    """(columns, rows, scale) of a mosaic of `kind`'s photos."""
    return (3, 3, 2 / 3) if kind == "ro" else (4, 2, 1.0)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    items = json.load(open(os.path.join(src, "boxes.json")))
    written = []
    for kind in ("us", "veh", "ro"):
        photos = [i for i in items if i["kind"] == kind]
        cols, rows, scale = tiles(kind)
        per = cols * rows
        for m in range(0, len(photos), per):
            frame = np.full((FRAME_H, FRAME_W, 3), GREY, np.uint8)
            boxes = []
            for k, item in enumerate(photos[m:m + per]):
                img = cv2.imread(os.path.join(src, item["file"]))
                h, w = img.shape[:2]
                tw, th = round(w * scale), round(h * scale)
                if scale != 1.0:
                    img = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
                x0, y0 = (k % cols) * tw, (k // cols) * th
                frame[y0:y0 + th, x0:x0 + tw] = img
                boxes += [[round(x0 + b[0] * scale, 1), round(y0 + b[1] * scale, 1),
                           round(x0 + b[2] * scale, 1), round(y0 + b[3] * scale, 1)] for b in item["boxes"]]
            name = f"{kind}-{m // per:02d}.jpg"
            cv2.imwrite(os.path.join(out, name), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
            written.append(dict(file=name, kind=kind, boxes=boxes))
    with open(os.path.join(out, "boxes.json"), "w") as f:
        json.dump(written, f)
    print(f"{len(written)} frames, {sum(len(i['boxes']) for i in written)} plates -> {out}")


if __name__ == "__main__":
    main()
