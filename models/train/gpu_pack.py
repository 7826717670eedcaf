#!/usr/bin/env python3
"""Build the training pack: what the plate detector's and the plate reader's training read from
../shared/datasets, plus the fonts of the synthetic plate generator, small enough to travel with the checkout
to the GPU machine (the `device` tool carries at most 64 MiB, and ../shared does not travel).

    /usr/bin/python3 models/train/gpu_pack.py reader|detector [--out DIR]   (default .pack/MODEL)

The pack mirrors the datasets' layout and file names (so the loaders' splits, which hash names, are the
same), re-encoded as JPEG at each source's quality in PACKS and already shrunk to the largest size a loader
uses (dashcam frames 960 px with their boxes scaled, backgrounds 320 or 640); labels and SOURCE.md files are
copied as they are. The training scripts read it when PLATEWISE_DATASETS=.pack/MODEL/datasets and
PLATEWISE_FONTS=.pack/MODEL/fonts are set (datapaths.py; gpu_train.sh sets them). `.pack/` is git-ignored;
carry `.pack/MODEL` by name.
"""
import argparse
import glob
import os
import shutil
import sys
import xml.etree.ElementTree as ET

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datapaths  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synth"))
import platesynth  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "detector"))
from data import _stable_frac  # noqa: E402  (the detector's split hash: the backgrounds kept keep its split)


def one_copy_per_source(paths):
    """us-plates-yolo: the export's augmented copies of a photo share the name before '.rf.'; keep the first.
    'i_jpg' names many unrelated frames: all of them stay. The split (by source, data.py) is unchanged."""
    seen, kept = set(), []
    for p in paths:
        src = os.path.basename(p).split(".rf.")[0]
        if src == "i_jpg" or src not in seen:
            kept.append(p)
        seen.add(src)
    return kept


def some_backgrounds(paths, n=250):
    """Every held-out background (data.py's val negatives) and training ones up to `n` in all, in a fixed order."""
    frac = lambda p: _stable_frac("bg:" + os.path.basename(p))  # noqa: E731
    val = [p for p in paths if frac(p) < 0.1]
    train = sorted((p for p in paths if frac(p) >= 0.1), key=frac)
    return sorted(val + train[:max(0, n - len(val))])


# Per model: (glob under the datasets, longest side kept or None, JPEG quality, which files or None for all) for
# the images its training reads, the label files copied byte for byte, and the dashcam frames' JPEG quality
# (None: not used). The detector's photos are noisy (us-plates-yolo's copies carry the noise and blur of their
# export): they fit 64 MiB only at quality 45, one copy per source photo, with 250 of the backgrounds and the
# composites' plate crops at 240 px.
PACKS = {
    "reader": dict(
        images=[
            ("us-plate-crops/images/*.jpg", None, 85, None),
            ("br-plate-crops/images/*.jpg", None, 85, None),
            ("plate-chars/gb/*.jpg", None, 90, None),
            ("plate-chars/br/*.jpg", None, 90, None),
            ("backgrounds/images/*.jpg", 320, 75, None),  # platesynth.load_backgrounds reads them at 320 px
        ],
        files=["us-plate-crops/labels.csv", "br-plate-crops/labels.csv"],
        fonts=True,
        dashcam=None,
    ),
    "detector": dict(
        images=[
            ("us-plates-yolo/*/images/*.jpg", None, 45, one_copy_per_source),
            ("vehicle-plate-yolo/*/images/*.jpg", None, 45, None),
            ("backgrounds/images/*.jpg", 640, 50, some_backgrounds),
            ("us-plate-crops/images/*.jpg", 240, 60, None),  # composites: pasted 12-220 px wide (data.py)
            ("br-plate-crops/images/*.jpg", 240, 60, None),
            ("plate-chars/gb/*.jpg", None, 60, None),
        ],
        files=["us-plates-yolo/*/labels/*.txt", "vehicle-plate-yolo/*/labels/*.txt"],
        fonts=False,
        dashcam=50,
    ),
}
DASHCAM = "ro-dashcam-voc"
DASHCAM_SIDE = 960  # detector data.py reads the frames at this size


def write_jpeg(src, dst, quality, max_side):
    """Re-encode `src` at `dst`; returns the scale applied (1 when kept at its size)."""
    im = cv2.imread(src, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(src)
    scale = 1.0
    if max_side and max(im.shape[:2]) > max_side:
        scale = max_side / max(im.shape[:2])
        im = cv2.resize(im, (round(im.shape[1] * scale), round(im.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    cv2.imwrite(dst, im, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return scale


def pack_dashcam(data, out, quality):
    """Frames at 960 px and their annotations with the boxes scaled to match (data.py then scales by 1)."""
    for xml in sorted(glob.glob(os.path.join(data, DASHCAM, "*", "annots", "*.xml"))):
        part = os.path.dirname(os.path.dirname(xml))
        tree = ET.parse(xml)
        root = tree.getroot()
        name = root.find("filename").text
        img = os.path.join(part, "images", name)
        if not os.path.exists(img):
            name = os.path.basename(xml)[:-4] + ".jpg"
            img = os.path.join(part, "images", name)
        rel = os.path.relpath(part, data)
        scale = write_jpeg(img, os.path.join(out, rel, "images", name), quality, DASHCAM_SIDE)
        for b in root.iter("bndbox"):
            for k in ("xmin", "ymin", "xmax", "ymax"):
                b.find(k).text = f"{float(b.find(k).text) * scale:.2f}"
        for size in root.iter("size"):
            for k in ("width", "height"):
                if size.find(k) is not None:
                    size.find(k).text = str(round(float(size.find(k).text) * scale))
        os.makedirs(os.path.join(out, rel, "annots"), exist_ok=True)
        tree.write(os.path.join(out, rel, "annots", os.path.basename(xml)))


def pack_fonts(out):
    """The generator's font files, at the same paths under the pack's fonts folder."""
    used = [p for files in platesynth.FONT_FILES.values() for p in files] + list(platesynth.SMALL_FONTS)
    for rel in sorted(set(used)):
        dst = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(datapaths.FONT_DIR, rel), dst)


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=sorted(PACKS))
    ap.add_argument("--out", default="", help="default .pack/MODEL")
    args = ap.parse_args()
    pack = PACKS[args.model]
    out = os.path.abspath(args.out or os.path.join(datapaths.ROOT, ".pack", args.model))
    data = datapaths.DEFAULT_DATASETS
    out_data = os.path.join(out, "datasets")
    if os.path.exists(out):
        shutil.rmtree(out)
    for pattern, side, quality, which in pack["images"]:
        paths = sorted(glob.glob(os.path.join(data, pattern)))
        for src in which(paths) if which else paths:
            write_jpeg(src, os.path.join(out_data, os.path.relpath(src, data)), quality, side)
    if pack["dashcam"] is not None:
        pack_dashcam(data, out_data, pack["dashcam"])
    for pattern in pack["files"]:
        for src in sorted(glob.glob(os.path.join(data, pattern))):
            dst = os.path.join(out_data, os.path.relpath(src, data))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    for name in sorted(os.listdir(out_data)):
        shutil.copyfile(os.path.join(data, name, "SOURCE.md"), os.path.join(out_data, name, "SOURCE.md"))
    if pack["fonts"]:
        pack_fonts(os.path.join(out, "fonts"))
    for name in sorted(os.listdir(out_data)):
        print(f"  {name}: {folder_bytes(os.path.join(out_data, name)) / 2**20:.1f} MiB")
    print(f"{out}: {folder_bytes(out) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
