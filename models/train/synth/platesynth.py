"""Synthetic licence-plate generator for the Platewise plate reader.

Two parts:
  * render_plate(rng, kind)  -> (grey plate image uint8 [h,w], label)   a clean, flat plate
  * compose(plate, rng, bgs) -> uint8 [64,192] reader input             perspective + loose/tight
                                                                         detector-box crop + photometric noise
compose() is also applied to the real (already rectified) crops, so real and synthetic samples get
the same geometry: the plate's axis-aligned box expanded by CROP_MARGIN per side, +-jitter.

Fonts: Debian OFL / free fonts under /usr/share/fonts (see models/MODEL_CARD.md).
Glyph-collage plates use real glyph crops from ../shared/datasets/plate-chars (AGPL-3.0, openalpr).
Everything is driven by a numpy RandomState, so output is deterministic for a given seed.
"""
import glob
import io
import math
import os
import sys

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import datapaths  # noqa: E402

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
OUT_W, OUT_H = 192, 64
# Fraction of the plate box width (left/right) and height (top/bottom) added on EACH side before the
# crop is stretched to 192x64. The engine must crop detector boxes the same way (manifest crop_margin).
CROP_MARGIN = 0.06
# Share of samples (at full photometric strength) shrunk to a distant plate's resolution and blown back up.
LOWRES_P = 0.4
# Those samples are shrunk to this share of the crop's width (0.3 of 192 px: a plate ~50 px wide in the photo).
LOWRES_RANGE = (0.3, 0.8)
# per-side jitter around CROP_MARGIN (detector boxes are loose/tight by up to ~15 % overall)
MARGIN_JITTER = (-0.07, 0.08)
# how much wider than the plate compose(loose=p) boxes a share p of its samples (a detector box around the
# plate's frame or recess)
LOOSE_WIDTH = (1.2, 2.0)

FONT_DIR = datapaths.FONT_DIR  # Debian's fonts, or a training pack's copy (datapaths.py)
FONT_FILES = {
    "din": ["truetype/opendin/OSP-DIN.ttf"],
    "bebas": ["opentype/bebas-neue/BebasNeue-Regular.otf", "opentype/bebas-neue/BebasNeue-Bold.otf",
              "opentype/bebas-neue/BebasNeue-Book.otf"],
    "routed": ["truetype/routed-gothic/routed-gothic.ttf", "truetype/routed-gothic/routed-gothic-narrow.ttf",
               "truetype/routed-gothic/routed-gothic-wide.ttf", "truetype/routed-gothic/routed-gothic-half-italic.ttf"],
    "park": ["opentype/national-park/NationalPark-Regular.otf", "opentype/national-park/NationalPark-Heavy.otf"],
    "dejavu": ["truetype/dejavu/DejaVuSansCondensed-Bold.ttf", "truetype/dejavu/DejaVuSansMono-Bold.ttf",
               "truetype/dejavu/DejaVuSans-Bold.ttf", "truetype/dejavu/DejaVuSansCondensed.ttf"],
    "lib": ["truetype/liberation2/LiberationSans-Bold.ttf", "truetype/liberation2/LiberationMono-Bold.ttf",
            "truetype/liberation2/LiberationSans-Regular.ttf"],
}
SMALL_FONTS = ["truetype/dejavu/DejaVuSerif-Bold.ttf", "truetype/dejavu/DejaVuSans.ttf",
               "truetype/liberation2/LiberationSerif-BoldItalic.ttf", "truetype/liberation2/LiberationSans-Italic.ttf",
               "truetype/dejavu/DejaVuSerifCondensed-Italic.ttf", "truetype/liberation2/LiberationSerif-Bold.ttf"]

US_STATES = ["ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "California", "COLORADO", "Connecticut", "DELAWARE",
             "Florida", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS", "Indiana", "IOWA", "KANSAS", "KENTUCKY",
             "Louisiana", "MAINE", "MARYLAND", "Massachusetts", "MICHIGAN", "MINNESOTA", "MISSISSIPPI", "MISSOURI",
             "MONTANA", "NEBRASKA", "NEVADA", "New Hampshire", "NEW JERSEY", "NEW MEXICO", "NEW YORK",
             "NORTH CAROLINA", "NORTH DAKOTA", "OHIO", "OKLAHOMA", "OREGON", "Pennsylvania", "Rhode Island",
             "SOUTH CAROLINA", "TENNESSEE", "TEXAS", "UTAH", "VERMONT", "Virginia", "WASHINGTON", "WISCONSIN",
             "WYOMING", "Washington, D.C."]
SLOGANS = ["Sunshine State", "EMPIRE STATE", "Land of Lincoln", "Garden State", "LIVE FREE OR DIE", "Ocean State",
           "Green Mountain State", "The Silver State", "FIRST IN FLIGHT", "Famous Potatoes", "Great Lakes",
           "America's Dairyland", "10,000 Lakes", "Grand Canyon State", "Lone Star State", "Peach State",
           "dmv.gov", "TAXATION WITHOUT REPRESENTATION", "Sportsman's Paradise", "Keystone State",
           "CAPITAL CITY", "COUNTY", "visitPA.com", "In God We Trust", "Wild Wonderful", "Aloha State"]
BR_CITIES = ["SP - SAO PAULO", "RJ - RIO DE JANEIRO", "MG - BELO HORIZONTE", "PR - CURITIBA", "ES - VILA VELHA",
             "SC - JOINVILLE", "RS - PORTO ALEGRE", "BA - SALVADOR", "PARANA", "GO - GOIANIA", "DF - BRASILIA"]

_font_cache = {}


def _font(path, size):
    key = (path, size)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(os.path.join(FONT_DIR, path), size)
    return _font_cache[key]


def _rand_pattern(rng, pat):
    """L letter, D digit, X alnum; other characters are literal separators."""
    out = []
    for c in pat:
        if c == "L":
            out.append(LETTERS[rng.randint(26)])
        elif c == "D":
            out.append(DIGITS[rng.randint(10)])
        elif c == "X":
            out.append(ALPHABET[rng.randint(36)])
        else:
            out.append(c)
    return "".join(out)


def label_of(text):
    return "".join(c for c in text.upper() if c in ALPHABET)


# ---------------------------------------------------------------- text rendering

def render_text_mask(text, fontpath, tracking=0.06, slots=None):
    """Render a line of text as an L mask (255 = ink), tightly cropped. Each '#' leaves an empty slot for an
    emblem; when `slots` is a list, their horizontal extents are appended as fractions of the mask's width."""
    size = 72
    gaps = []
    f = _font(fontpath, size)
    W = int(len(text) * size * 1.1 + 40)
    H = int(size * 2)
    img = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(img)
    x = 10.0
    for ch in text:
        if ch == " ":
            x += size * 0.38
            continue
        if ch == "*":  # round seal / emblem between groups (German-style)
            r = size * 0.22
            d.ellipse([x + 4, size * 0.55 - r + 0.3 * size, x + 4 + 2 * r, size * 0.55 + r + 0.3 * size], outline=255,
                      width=5)
            x += 2 * r + 12
            continue
        if ch == "#":  # emblem slot (coat of arms, stickers, state graphic), drawn in colour by the caller
            gaps.append((x + 6, x + 6 + size * 0.62))
            x += size * 0.62 + 12
            continue
        if ch == ".":  # centred dot separator
            r = size * 0.07
            d.ellipse([x + 3, size * 0.67 - r, x + 3 + 2 * r, size * 0.67 + r], fill=255)
            x += 2 * r + 10
            continue
        bb = f.getbbox(ch)
        d.text((x - bb[0], size * 0.3), ch, font=f, fill=255)
        x += (bb[2] - bb[0]) + tracking * size
    bb = img.getbbox()
    if bb is None:
        return np.zeros((4, 4), np.uint8)
    if slots is not None:
        bw = max(1, bb[2] - bb[0])
        slots.extend(((a - bb[0]) / bw, (b - bb[0]) / bw) for a, b in gaps)
    return np.array(img.crop(bb))


def paste_mask(canvas, mask, box, color):
    """canvas float32 HxWx3, mask uint8, box (x0,y0,x1,y1) target box (mask is resized into it)."""
    x0, y0, x1, y1 = [int(round(v)) for v in box]
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    H, W = canvas.shape[:2]
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    m = m[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0, None]
    reg = canvas[cy0:cy1, cx0:cx1]
    canvas[cy0:cy1, cx0:cx1] = reg * (1 - m) + np.array(color, np.float32)[None, None] * m


def _lum(c):
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _jit(rng, c, a=18):
    return tuple(float(np.clip(v + rng.randint(-a, a + 1), 0, 255)) for v in c)


def put_text_line(canvas, rng, text, fontpath, box_x, y0, y1, color, fit="center", max_stretch=(0.8, 1.2)):
    """Place text with height y1-y0 inside horizontal range box_x=(xa,xb). Returns the canvas boxes of its
    emblem slots ('#')."""
    slots = []
    mask = render_text_mask(text, fontpath, tracking=rng.uniform(0.02, 0.14), slots=slots)
    th = y1 - y0
    nat_w = mask.shape[1] * th / max(1, mask.shape[0])
    w = nat_w * rng.uniform(*max_stretch)
    avail = box_x[1] - box_x[0]
    if w > avail:
        w = avail
    slack = avail - w
    if fit == "center":
        x0 = box_x[0] + slack / 2 + rng.uniform(-0.15, 0.15) * slack
    else:
        x0 = box_x[0] + rng.uniform(0, 1) * slack
    paste_mask(canvas, mask, (x0, y0, x0 + w, y1), color)
    return [(x0 + a * w, y0, x0 + b * w, y1) for a, b in slots]


# ---------------------------------------------------------------- plate layouts

def _pick(rng, seq):
    return seq[rng.randint(len(seq))]


def _font_for(rng, families):
    fam = _pick(rng, families)
    return _pick(rng, FONT_FILES[fam])


def _background(rng, pw, ph, bg, bgs=None, style=None):
    c = np.empty((ph, pw, 3), np.float32)
    c[:] = np.array(bg, np.float32)
    style = style if style is not None else rng.randint(6)
    if style == 1:  # vertical gradient
        g = np.linspace(0, 1, ph, dtype=np.float32)[:, None, None]
        c2 = np.array(_jit(rng, bg, 60), np.float32)
        c = c * (1 - g) + c2 * g
    elif style == 2:  # horizontal gradient
        g = np.linspace(0, 1, pw, dtype=np.float32)[None, :, None]
        c2 = np.array(_jit(rng, bg, 60), np.float32)
        c = c * (1 - g) + c2 * g
    elif style == 3:  # faint shapes (scenic plates)
        img = Image.fromarray(c.astype(np.uint8))
        d = ImageDraw.Draw(img)
        for _ in range(rng.randint(1, 5)):
            col = tuple(int(v) for v in _jit(rng, bg, 70))
            x, y = rng.randint(-pw // 2, pw), rng.randint(-ph // 2, ph)
            if rng.rand() < 0.5:
                d.ellipse([x, y, x + rng.randint(20, pw), y + rng.randint(10, ph)], fill=col)
            else:
                pts = [(rng.randint(-20, pw + 20), rng.randint(-20, ph + 20)) for _ in range(3 + rng.randint(3))]
                d.polygon(pts, fill=col)
        c = np.array(img).astype(np.float32)
    elif style == 4 and bgs is not None and len(bgs) > 0:  # photo blended (scenic)
        b = _pick(rng, bgs)
        y = rng.randint(0, max(1, b.shape[0] - ph // 2))
        x = rng.randint(0, max(1, b.shape[1] - pw // 2))
        patch = b[y:y + ph, x:x + pw]
        patch = cv2.resize(patch, (pw, ph)).astype(np.float32)
        a = rng.uniform(0.15, 0.45)
        c = c * (1 - a) + patch[:, :, None] * a
    return c


def _small_text(canvas, rng, text, box, color):
    fp = _pick(rng, SMALL_FONTS + FONT_FILES["dejavu"][:1] + FONT_FILES["lib"][:1])
    x0, y0, x1, y1 = box
    mask = render_text_mask(text, fp, tracking=rng.uniform(0.0, 0.1))
    h = y1 - y0
    w = min(x1 - x0, mask.shape[1] * h / max(1, mask.shape[0]) * rng.uniform(0.8, 1.2))
    xs = x0 + (x1 - x0 - w) * rng.uniform(0.1, 0.9)
    paste_mask(canvas, mask, (xs, y0, xs + w, y1), color)


def _border_and_bolts(canvas, rng, fg):
    ph, pw = canvas.shape[:2]
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    if rng.rand() < 0.6:
        t = rng.randint(1, max(2, ph // 25))
        ins = rng.randint(0, max(1, ph // 20))
        col = tuple(int(v) for v in (fg if rng.rand() < 0.7 else _jit(rng, (60, 60, 60), 60)))
        try:
            d.rounded_rectangle([ins, ins, pw - 1 - ins, ph - 1 - ins], radius=rng.randint(0, ph // 6 + 1), outline=col,
                                width=t)
        except AttributeError:
            d.rectangle([ins, ins, pw - 1 - ins, ph - 1 - ins], outline=col, width=t)
    if rng.rand() < 0.4:
        r = max(2, ph // 22)
        ys = ph * rng.uniform(0.08, 0.2)
        col = tuple(int(v) for v in _jit(rng, (150, 150, 150), 80))
        for xx in (pw * rng.uniform(0.15, 0.3), pw * rng.uniform(0.7, 0.85)):
            d.ellipse([xx - r, ys - r, xx + r, ys + r], fill=col)
    return np.array(img).astype(np.float32)


def _sticker(canvas, rng):
    ph, pw = canvas.shape[:2]
    w, h = int(pw * rng.uniform(0.07, 0.14)), int(ph * rng.uniform(0.12, 0.25))
    x = _pick(rng, [rng.randint(2, max(3, int(pw * 0.06))), pw - w - rng.randint(2, max(3, int(pw * 0.06)))])
    y = _pick(rng, [rng.randint(2, max(3, int(ph * 0.08))), ph - h - rng.randint(2, max(3, int(ph * 0.08)))])
    col = np.array([rng.randint(256) for _ in range(3)], np.float32)
    canvas[y:y + h, x:x + w] = col
    if rng.rand() < 0.6:
        _small_text(canvas, rng, _rand_pattern(rng, _pick(rng, ["DD", "LLL", "DDDD"])),
                    (x + 1, y + h * 0.3, x + w - 1, y + h * 0.8), (255 - col).tolist())


def _shield(bx0, by0, bx1, by1):
    """Heraldic shield outline: straight top, sides down to 55 %, curving to a point at the bottom."""
    w, h = bx1 - bx0, by1 - by0
    pts = [(bx0, by0), (bx1, by0), (bx1, by0 + 0.55 * h)]
    for k in range(1, 8):
        t = k / 8
        pts.append((bx1 - 0.5 * w * math.sin(t * math.pi / 2), by0 + 0.55 * h + 0.45 * h * t))
    for k in range(7, 0, -1):
        t = k / 8
        pts.append((bx0 + 0.5 * w * math.sin(t * math.pi / 2), by0 + 0.55 * h + 0.45 * h * t))
    pts.append((bx0, by0 + 0.55 * h))
    return pts


def _star(cx, cy, r, n=5):
    return [(cx + (r if k % 2 == 0 else r * 0.45) * math.sin(k * math.pi / n),
             cy - (r if k % 2 == 0 else r * 0.45) * math.cos(k * math.pi / n)) for k in range(2 * n)]


EMBLEM_STYLES = ("sk", "hr", "rs", "slo", "cz", "de", "us")


def draw_emblem(canvas, rng, box, style, fg):
    """Draw a non-character emblem into an emblem slot (see render_text_mask): the coats of arms of SK, HR, RS
    and SLO plates, the stacked inspection stickers of older CZ plates, the round seals of DE plates, and the
    graphics US states put between character groups. Readers tend to read these as a character (a '9', an 'L'),
    and the label never contains them. Returns the canvas."""
    x0, y0, x1, y1 = box
    th, sw = y1 - y0, x1 - x0
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    col = lambda c, a=25: tuple(int(v) for v in _jit(rng, c, a))  # noqa: E731
    cx, cy = (x0 + x1) / 2 + rng.uniform(-0.1, 0.1) * sw, (y0 + y1) / 2 + rng.uniform(-0.06, 0.06) * th
    if style in ("sk", "hr", "rs", "slo"):
        eh = th * rng.uniform(0.55, 0.95)
        ew = min(sw * 0.95, eh * rng.uniform(0.7, 0.85))
        bx0, by0, bx1, by1 = cx - ew / 2, cy - eh / 2, cx + ew / 2, cy + eh / 2
        outline = _shield(bx0, by0, bx1, by1)
        if style == "sk":  # red field, white double cross, blue hills
            d.polygon(outline, fill=col((200, 30, 40)))
            d.rectangle([cx - ew * 0.07, by0 + eh * 0.12, cx + ew * 0.07, by0 + eh * 0.68], fill=col((245, 245, 245), 10))
            for yy, half in ((0.28, 0.26), (0.45, 0.34)):
                d.rectangle([cx - ew * half, by0 + eh * (yy - 0.05), cx + ew * half, by0 + eh * (yy + 0.05)],
                            fill=col((245, 245, 245), 10))
            d.pieslice([bx0 + ew * 0.05, by0 + eh * 0.62, bx1 - ew * 0.05, by0 + eh * 1.1], 180, 360, fill=col((20, 60, 170)))
        elif style == "hr":  # red and white chequers
            n = 5
            d.polygon(outline, fill=col((245, 245, 245), 10))
            for i in range(n):
                for j in range(n):
                    if (i + j) % 2 == 0:
                        d.rectangle([bx0 + ew * j / n, by0 + eh * 0.85 * i / n, bx0 + ew * (j + 1) / n,
                                     by0 + eh * 0.85 * (i + 1) / n], fill=col((210, 30, 40)))
            d.polygon(outline, outline=col((30, 30, 30)))
        elif style == "rs":  # red field, white cross, a pale figure on it
            d.polygon(outline, fill=col((190, 30, 40)))
            d.rectangle([cx - ew * 0.08, by0 + eh * 0.1, cx + ew * 0.08, by0 + eh * 0.8], fill=col((240, 240, 240), 10))
            d.rectangle([bx0 + ew * 0.15, by0 + eh * 0.35, bx1 - ew * 0.15, by0 + eh * 0.47], fill=col((240, 240, 240), 10))
            if rng.rand() < 0.5:
                d.ellipse([cx - ew * 0.3, by0 + eh * 0.05, cx + ew * 0.3, by0 + eh * 0.3], fill=col((230, 200, 90)))
        else:  # slo: white/blue field, red lines, stars
            d.polygon(outline, fill=col((30, 60, 160)))
            d.polygon(_star(cx, by0 + eh * 0.3, ew * 0.18), fill=col((240, 210, 60)))
            d.rectangle([bx0 + ew * 0.1, by0 + eh * 0.6, bx1 - ew * 0.1, by0 + eh * 0.68], fill=col((245, 245, 245), 10))
            d.rectangle([bx0 + ew * 0.15, by0 + eh * 0.72, bx1 - ew * 0.15, by0 + eh * 0.78], fill=col((200, 30, 40)))
            d.polygon(outline, outline=col((200, 30, 40)))
    elif style == "cz":  # two round stickers stacked, often different colours
        r = min(sw * 0.4, th * rng.uniform(0.18, 0.26))
        for yy in (cy - r * 1.15, cy + r * 1.15):
            c = col(_pick(rng, [(200, 40, 40), (40, 150, 70), (40, 80, 190), (230, 200, 40), (235, 235, 235),
                                (150, 150, 150)]), 30)
            d.ellipse([cx - r, yy - r, cx + r, yy + r], fill=c)
            if rng.rand() < 0.5:
                d.ellipse([cx - r * 0.55, yy - r * 0.55, cx + r * 0.55, yy + r * 0.55], outline=col((30, 30, 30), 30))
    elif style == "de":  # round seal (blue/grey ring with a coat of arms) above a smaller sticker
        r = min(sw * 0.42, th * rng.uniform(0.2, 0.3))
        yy = cy - r * 0.6
        d.ellipse([cx - r, yy - r, cx + r, yy + r], fill=col((150, 150, 160), 40), outline=col((40, 60, 140)))
        d.ellipse([cx - r * 0.45, yy - r * 0.45, cx + r * 0.45, yy + r * 0.45], fill=col((60, 60, 60), 60))
        if rng.rand() < 0.7:
            r2 = r * rng.uniform(0.6, 0.9)
            d.ellipse([cx - r2, yy + r + r2 * 0.2, cx + r2, yy + r + r2 * 2.2],
                      fill=col(_pick(rng, [(230, 120, 150), (60, 150, 80), (230, 200, 40), (240, 140, 40)]), 30))
    else:  # us: a state graphic between character groups (silhouette, heart, star, keystone, dot, sticker)
        c = col(_pick(rng, [fg, fg, (200, 30, 40), (30, 60, 160), (40, 140, 60), (230, 170, 30)]), 30)
        kind = rng.randint(6)
        e = min(sw, th) * rng.uniform(0.45, 0.85)
        if kind == 0:
            pts = [(cx + e * 0.5 * math.cos(a) * rng.uniform(0.6, 1.0), cy + e * 0.5 * math.sin(a) * rng.uniform(0.6, 1.0))
                   for a in np.linspace(0, 2 * math.pi, rng.randint(5, 10), endpoint=False)]
            d.polygon(pts, fill=c)
        elif kind == 1:
            r = e * 0.27
            d.ellipse([cx - 2 * r, cy - r * 1.6, cx, cy + r * 0.4], fill=c)
            d.ellipse([cx, cy - r * 1.6, cx + 2 * r, cy + r * 0.4], fill=c)
            d.polygon([(cx - 1.95 * r, cy - r * 0.3), (cx + 1.95 * r, cy - r * 0.3), (cx, cy + r * 1.8)], fill=c)
        elif kind == 2:
            d.polygon(_star(cx, cy, e * 0.5), fill=c)
        elif kind == 3:
            d.polygon([(cx - e * 0.3, cy - e * 0.5), (cx + e * 0.3, cy - e * 0.5), (cx + e * 0.45, cy),
                       (cx + e * 0.25, cy + e * 0.5), (cx - e * 0.25, cy + e * 0.5), (cx - e * 0.45, cy)], fill=c)
        elif kind == 4:
            r = e * rng.uniform(0.12, 0.25)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=c)
        else:
            d.rectangle([cx - e * 0.35, cy - e * 0.45, cx + e * 0.35, cy + e * 0.45],
                        fill=tuple(int(v) for v in (rng.randint(256), rng.randint(256), rng.randint(256))))
    return np.array(img).astype(np.float32)


def _stacked_letters(canvas, rng, box, color):
    """Two small letters stacked at one end of a US plate (DP, DV, TR ...): a plate-type marker that is not
    part of the registration (openalpr's labels leave it out)."""
    x0, y0, x1, y1 = box
    text = _pick(rng, ["DP", "DV", "TR", "PH", "MC", "AP", "FD", "VT", "US", "PP"])
    h = (y1 - y0) / 2
    for k, ch in enumerate(text):
        mask = render_text_mask(ch, _pick(rng, FONT_FILES["dejavu"] + FONT_FILES["lib"]))
        w = min(x1 - x0, mask.shape[1] * h * 0.9 / max(1, mask.shape[0]))
        paste_mask(canvas, mask, (x0, y0 + k * h + h * 0.05, x0 + w, y0 + (k + 1) * h - h * 0.05), color)


# colour pairs (background, text)
US_COLORS = [((245, 245, 245), (20, 30, 110)), ((250, 250, 250), (15, 15, 15)), ((240, 240, 250), (150, 20, 30)),
             ((230, 240, 250), (20, 40, 120)), ((250, 240, 200), (20, 40, 100)), ((245, 160, 40), (20, 30, 90)),
             ((20, 50, 120), (240, 200, 60)), ((20, 110, 50), (250, 250, 250)), ((15, 15, 15), (240, 240, 240)),
             ((15, 15, 20), (230, 200, 50)), ((250, 250, 250), (20, 100, 40)), ((250, 250, 240), (110, 20, 30)),
             ((200, 220, 240), (10, 10, 10)), ((255, 230, 90), (10, 10, 10)), ((120, 20, 30), (240, 240, 240)),
             ((180, 200, 215), (20, 30, 70)), ((235, 235, 235), (40, 40, 40))]
US_PATTERNS = ["LLL DDDD", "LLL-DDDD", "LLLDDDD", "DLLLDDD", "DLLL DDD", "DDD LLL", "DDD-LLL", "LLL DDD", "LLL-DDD",
               "DDDDDD", "DDD DDD", "DDD-DDD", "LL DDDDD", "DLL DDD", "DDL DDDL", "DDDD LL", "LLDDDD", "DDDLLL",
               "LLL DDDL", "LDD LLL", "XXXXXXX", "XXXXXX", "XXXXX", "XXXX", "XXXXXXXX", "DDDDDDD", "LL DDDD",
               "DD DDDD", "DLL-DDD", "LLDD LLL", "DD-DDDD"]
EU_FORMATS = {
    "D": (["LL LL DDDD", "L LL DDD", "LLL L DDDD", "LL L DDD", "LL*LL DDDD", "L*LL DDDD", "LLL*LL DD",
           "LL*LL DDDE", "LL LL DDDH", "LLL*L DDD"], ["din"]),
    "F": (["LL-DDD-LL"], ["din", "dejavu", "lib"]),
    "I": (["LL DDD LL", "LLDDDLL"], ["din", "dejavu"]),
    "E": (["DDDD LLL", "DDDDLLL"], ["din", "dejavu", "lib"]),
    "NL": (["LL-DDD-L", "DD-LLL-D", "L-DDD-LL", "LL-DD-LL", "DD-LL-LL", "DDD-LL-D", "D-LLL-DD", "LL-LLL-D"],
           ["din", "routed", "dejavu"]),
    "PL": (["LL DDDDD", "LLL DDDD", "LL DDDLL", "LLL DDLL", "LL DDDDL", "LLL LLDD"], ["din", "dejavu", "lib"]),
    "RO": (["L DD LLL", "L DDD LLL", "LL DD LLL", "LL DDD LLL"], ["din", "dejavu", "lib"]),
    "B": (["D-LLL-DDD"], ["din", "routed", "dejavu"]),
    "CZ": (["DLD DDDD", "DLL DDDD"], ["din", "dejavu"]),
    "A": (["L DDDD L", "LL DDD LL", "LL-DDD LL"], ["din", "dejavu"]),
    "P": (["LL-DD-LL", "DD-LL-DD"], ["din", "dejavu", "lib"]),
}
UK_PATTERNS = ["LLDD LLL", "LDDD LLL", "LLL DDDL"]
# Plates with an emblem between character groups ('#', see draw_emblem): code -> (formats, fonts, emblem style).
# Only with render_plate(emblems=True), so pools made without it stay bit-identical.
EMBLEM_FORMATS = {
    "SK": (["LL#DDDLL", "LL#DDDLL", "LL#DDD-LL"], ["din", "dejavu"], "sk"),
    "CZ": (["DL#DDDD", "DLD#DDDD", "DLL#DDDD"], ["din", "dejavu"], "cz"),
    "HR": (["LL#DDD-LL", "LL#DDDD-LL", "LL#DDDD-L"], ["din", "dejavu", "lib"], "hr"),
    "SRB": (["LL#DDD-LL", "LL#DDDD-LL"], ["din", "dejavu"], "rs"),
    "SLO": (["LL#LL-DDD", "LL#DD-DDL"], ["din", "dejavu", "lib"], "slo"),
    "D": (["LL#LL DDDD", "L#LL DDDD", "LLL#LL DD", "LLL#L DDD"], ["din"], "de"),
}


def _eu_band(canvas, rng, code, band_w):
    ph = canvas.shape[0]
    blue = _jit(rng, (0, 51, 153), 25)
    canvas[:, :band_w] = np.array(blue, np.float32)
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    cx, cy, r = band_w / 2, ph * 0.3, band_w * 0.3
    yel = (255, 204, 0)
    for k in range(12):
        a = 2 * math.pi * k / 12
        x, y = cx + r * math.cos(a), cy + r * math.sin(a)
        s = max(1, band_w // 14)
        d.ellipse([x - s, y - s, x + s, y + s], fill=yel)
    canvas[:] = np.array(img).astype(np.float32)
    _small_text(canvas, rng, code, (band_w * 0.1, ph * 0.6, band_w * 0.9, ph * 0.9), (250, 250, 250))


def _arms_band(canvas, rng, code, band_w, emblem, fg):
    """The older national band of SK/HR/RS/SLO plates: the coat of arms over the country code, on the plate's own
    colour, where EU plates have the blue band (readers take the arms for a W or an H)."""
    ph = canvas.shape[0]
    canvas = draw_emblem(canvas, rng, (band_w * 0.1, ph * 0.12, band_w * 0.95, ph * 0.62), emblem, fg)
    _small_text(canvas, rng, code, (band_w * 0.15, ph * 0.66, band_w * 0.9, ph * 0.86), fg)
    return canvas


# What `emblems` adds (render_plate). "all": emblems between character groups, the older national band of arms
# left of the characters (SK/HR/RS/SLO) and stacked US plate-type markers at either end. "between": only the
# emblems between groups. "right": those and the markers, at the right end only. Marks left of the characters
# teach the reader to skip what sits there, real characters of a loose crop included (MODEL_CARD, stop 12).
EMBLEM_MODES = ("all", "between", "right")


def emblem_mode(emblems):
    """False (no emblems) or one of EMBLEM_MODES; True means "all", as before the modes existed."""
    if emblems is True:
        return "all"
    if emblems and emblems not in EMBLEM_MODES:
        raise ValueError(f"emblems must be one of {EMBLEM_MODES}, not {emblems!r}")
    return emblems or False


def render_plate(rng, kind, bgs=None, glyphs=None, emblems=False):
    """Return (RGB float32 plate image, label). kind in US, EU, UK, BR, MERCOSUR, US2, EU2, UK2, BR2, MERC2, GLYPH.
    `emblems` adds plates with coats of arms, stickers or state graphics between character groups and US plates
    with a stacked plate-type marker (neither is part of the label): EMBLEM_MODES says which."""
    emblems = emblem_mode(emblems)
    if kind == "GLYPH":
        return render_glyph_plate(rng, glyphs)
    two = kind.endswith("2")
    ph = 100
    fg_font_fams = ["din", "bebas", "routed", "park", "dejavu", "lib"]
    if kind in ("US", "US2"):
        bg, fg = _pick(rng, US_COLORS)
        bg, fg = _jit(rng, bg), _jit(rng, fg)
        pw = int(ph * (rng.uniform(1.85, 2.15) if not two else rng.uniform(1.5, 1.8)))
        c = _background(rng, pw, ph, bg, bgs)
        if not two:
            text = _rand_pattern(rng, _pick(rng, US_PATTERNS))
            if rng.rand() < 0.3 and "-" not in text and " " not in text and len(text) > 4:
                k = rng.randint(2, len(text) - 1)
                text = text[:k] + _pick(rng, [" ", "-", " ", ".", "#", "#"] if emblems else [" ", "-", " ", "."]) + text[k:]
            rows = [text]
            th = ph * rng.uniform(0.42, 0.58)
            ty0 = ph * rng.uniform(0.22, 0.3)
            row_boxes = [(ty0, ty0 + th)]
        else:
            rows = [_rand_pattern(rng, _pick(rng, ["DDD", "LL", "LLL", "DD", "XXX", "DDDD", "LLLL"])),
                    _rand_pattern(rng, _pick(rng, ["DDD", "LLL", "DDDD", "XXX", "DD", "XXXX"]))]
            th = ph * rng.uniform(0.3, 0.36)
            y0 = ph * rng.uniform(0.16, 0.22)
            gap = ph * rng.uniform(0.04, 0.1)
            row_boxes = [(y0, y0 + th), (y0 + th + gap, y0 + 2 * th + gap)]
        font = _font_for(rng, fg_font_fams)
        span = (pw * 0.06, pw * 0.94)
        if emblems in ("all", "right") and not two and rng.rand() < 0.15:
            y0, y1 = row_boxes[0]
            if emblems == "right" or rng.rand() < 0.7:
                span = (pw * 0.06, pw * 0.84)
                _stacked_letters(c, rng, (pw * 0.86, y0, pw * 0.94, y1), fg)
            else:
                span = (pw * 0.16, pw * 0.94)
                _stacked_letters(c, rng, (pw * 0.06, y0, pw * 0.14, y1), fg)
        for t, (y0, y1) in zip(rows, row_boxes):
            for slot in put_text_line(c, rng, t, font, span, y0, y1, fg):
                c = draw_emblem(c, rng, slot, "us", fg)
        sc = fg if rng.rand() < 0.6 else _jit(rng, _pick(rng, [(180, 20, 30), (20, 30, 110), (10, 10, 10)]))
        if rng.rand() < 0.9:
            _small_text(c, rng, _pick(rng, US_STATES), (pw * 0.15, ph * 0.03, pw * 0.85, ph * rng.uniform(0.12, 0.2)), sc)
        if rng.rand() < 0.75:
            _small_text(c, rng, _pick(rng, SLOGANS + US_STATES), (pw * 0.1, ph * 0.84, pw * 0.9, ph * rng.uniform(0.92, 0.97)), sc)
        if rng.rand() < 0.5:
            _sticker(c, rng)
        c = _border_and_bolts(c, rng, fg)
        return c, label_of("".join(rows))

    if kind in ("EU", "EU2", "UK", "UK2"):
        uk = kind.startswith("UK")
        if uk:
            code = _pick(rng, ["GB", "UK", "GB", ""])
            bg = _jit(rng, _pick(rng, [(250, 210, 20), (245, 245, 245)]), 10)
            fg = _jit(rng, (15, 15, 15), 10)
            fams = ["din", "dejavu", "lib", "routed"]
            formats, emblem = UK_PATTERNS, None
        elif emblems and not two and rng.rand() < 0.5:
            code = _pick(rng, list(EMBLEM_FORMATS.keys()))
            bg = _jit(rng, (245, 245, 245), 12)
            fg = _jit(rng, (15, 15, 15), 12)
            formats, fams, emblem = EMBLEM_FORMATS[code]
        else:
            code = _pick(rng, list(EU_FORMATS.keys()))
            bg = _jit(rng, (245, 245, 245), 12)
            fg = _jit(rng, (15, 15, 15), 12)
            if code == "B":
                fg = _jit(rng, (160, 20, 30), 15)
            if code == "NL" and rng.rand() < 0.8:
                bg = _jit(rng, (250, 200, 20), 10)
            formats, fams = EU_FORMATS[code]
            emblem = None
        if not two:
            pw = int(ph * rng.uniform(4.2, 5.0))
        else:
            pw = int(ph * rng.uniform(1.3, 1.65))
        c = _background(rng, pw, ph, bg, None, style=_pick(rng, [0, 0, 0, 1, 2]))
        band = int(pw * (rng.uniform(0.075, 0.095) if not two else rng.uniform(0.14, 0.18)))
        has_band = (code != "") and rng.rand() < 0.92
        if emblems == "all" and has_band and emblem in ("sk", "hr", "rs", "slo") and rng.rand() < 0.35:
            c = _arms_band(c, rng, code, band, emblem, fg)
        elif has_band:
            _eu_band(c, rng, code if code else "GB", band)
        x0 = (band if has_band else 0) + pw * 0.03
        x1 = pw * 0.97
        font = _font_for(rng, fams)
        if not two:
            text = _rand_pattern(rng, _pick(rng, formats))
            th = ph * rng.uniform(0.62, 0.78)
            y0 = (ph - th) / 2 + ph * rng.uniform(-0.04, 0.04)
            for slot in put_text_line(c, rng, text, font, (x0, x1), y0, y0 + th, fg, max_stretch=(0.85, 1.3)):
                c = draw_emblem(c, rng, slot, emblem, fg)
            rows = [text]
        else:
            if uk:
                top, bot = _rand_pattern(rng, _pick(rng, ["LLDD", "LDDD"])), _rand_pattern(rng, "LLL")
            else:
                sub = _pick(rng, [("LL LL", "DDDD"), ("L LL", "DDD"), ("LL-DDD", "LL"), ("LL", "DDDDD"),
                                  ("LLL", "DDDD"), ("DD-LL", "LD"), ("L DD", "LLL"), ("LLL", "DDDL"),
                                  ("LL DD", "LLL"), ("DDD", "LLL")])
                top, bot = _rand_pattern(rng, sub[0]), _rand_pattern(rng, sub[1])
            th = ph * rng.uniform(0.34, 0.4)
            gap = ph * rng.uniform(0.04, 0.1)
            y0 = (ph - 2 * th - gap) / 2
            put_text_line(c, rng, top, font, (x0, x1), y0, y0 + th, fg)
            put_text_line(c, rng, bot, font, (x0 if rng.rand() < 0.5 else pw * 0.05, x1), y0 + th + gap,
                          y0 + 2 * th + gap, fg)
            rows = [top, bot]
        c = _border_and_bolts(c, rng, fg)
        return c, label_of("".join(rows))

    if kind in ("BR", "BR2"):
        # old grey (or red commercial) plate with city line on top
        if rng.rand() < 0.75:
            bg, fg = _jit(rng, (185, 185, 185), 30), _jit(rng, (25, 25, 25), 20)
        else:
            bg, fg = _jit(rng, (170, 25, 30), 25), _jit(rng, (240, 240, 240), 15)
        pw = int(ph * (rng.uniform(2.9, 3.3) if not two else rng.uniform(1.1, 1.4)))
        c = _background(rng, pw, ph, bg, None, style=_pick(rng, [0, 0, 1, 2]))
        if rng.rand() < 0.85:
            _small_text(c, rng, _pick(rng, BR_CITIES), (pw * 0.15, ph * 0.05, pw * 0.85, ph * 0.2), fg)
        font = _font_for(rng, ["din", "routed", "bebas", "dejavu"])
        if not two:
            text = _rand_pattern(rng, _pick(rng, ["LLL-DDDD", "LLL.DDDD", "LLL DDDD"]))
            y0 = ph * rng.uniform(0.26, 0.32)
            put_text_line(c, rng, text, font, (pw * 0.04, pw * 0.96), y0, ph * rng.uniform(0.86, 0.93), fg,
                          max_stretch=(0.85, 1.3))
            rows = [text]
        else:
            top, bot = _rand_pattern(rng, "LLL"), _rand_pattern(rng, "DDDD")
            put_text_line(c, rng, top, font, (pw * 0.1, pw * 0.9), ph * 0.25, ph * 0.55, fg)
            put_text_line(c, rng, bot, font, (pw * 0.06, pw * 0.94), ph * 0.6, ph * 0.92, fg)
            rows = [top, bot]
        c = _border_and_bolts(c, rng, fg)
        return c, label_of("".join(rows))

    if kind in ("MERCOSUR", "MERC2"):
        bg, fg = _jit(rng, (245, 245, 245), 10), _jit(rng, _pick(rng, [(15, 15, 15), (15, 15, 15), (170, 20, 30),
                                                                       (20, 90, 40), (20, 40, 150)]), 10)
        pw = int(ph * (rng.uniform(2.9, 3.3) if not two else rng.uniform(1.1, 1.4)))
        c = _background(rng, pw, ph, bg, None, style=_pick(rng, [0, 0, 1, 3]))
        bh = int(ph * rng.uniform(0.18, 0.24))
        c[:bh] = np.array(_jit(rng, (0, 50, 160), 20), np.float32)
        _small_text(c, rng, "BRASIL", (pw * 0.35, bh * 0.2, pw * 0.65, bh * 0.85), (250, 250, 250))
        c[bh // 4:bh * 3 // 4, int(pw * 0.86):int(pw * 0.94)] = np.array((30, 150, 60), np.float32)
        font = _font_for(rng, ["din", "routed", "dejavu", "lib"])
        if not two:
            text = _rand_pattern(rng, "LLLDLDD")
            if rng.rand() < 0.2:
                text = text[:3] + " " + text[3:]
            put_text_line(c, rng, text, font, (pw * 0.05, pw * 0.95), bh + ph * 0.1, ph * 0.9, fg,
                          max_stretch=(0.85, 1.3))
            rows = [text]
        else:
            top, bot = _rand_pattern(rng, "LLL"), _rand_pattern(rng, "DLDD")
            put_text_line(c, rng, top, font, (pw * 0.1, pw * 0.9), bh + ph * 0.06, bh + ph * 0.36, fg)
            put_text_line(c, rng, bot, font, (pw * 0.06, pw * 0.94), bh + ph * 0.42, ph * 0.93, fg)
            rows = [top, bot]
        c = _border_and_bolts(c, rng, fg)
        return c, label_of("".join(rows))
    raise ValueError(kind)


# ---------------------------------------------------------------- glyph collage plates

def load_glyphs(root):
    """{set: {char: [uint8 arrays]}} from plate-chars/{gb,br}; label = first char of file name."""
    out = {}
    for s in ("gb", "br"):
        d = {}
        for f in sorted(glob.glob(os.path.join(root, s, "*.jpg"))):
            ch = os.path.basename(f)[0].upper()
            if ch not in ALPHABET:
                continue
            im = cv2.imread(f, cv2.IMREAD_GRAYSCALE)
            if im is None:
                continue
            d.setdefault(ch, []).append(im)
        out[s] = d
    return out


def _norm_glyph(g, bgv, inkv):
    b = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]).astype(np.float32)
    gb = float(np.median(b))
    gi = float(np.percentile(g, 3)) if gb > 110 else float(np.percentile(g, 97))
    if abs(gb - gi) < 20:
        gi = gb - 60 if gb > 110 else gb + 60
    t = (g.astype(np.float32) - gb) / (gi - gb)
    return np.clip(bgv + t * (inkv - bgv), 0, 255)


def render_glyph_plate(rng, glyphs):
    """Plate made of real glyph crops (UK or Brazilian glyph style)."""
    s = "gb" if rng.rand() < 0.6 else "br"
    avail = glyphs[s]
    if s == "gb":
        pats = UK_PATTERNS + ["LL DDD LL", "DDDD LLL", "LL-DDD-LL", "L DD LLL", "LLL DDDD", "LL DDDDD", "DD-LLL-D"]
    else:
        pats = ["LLL-DDDD", "LLL DDDD", "LLLDLDD", "LLL.DDDD"]
    two = rng.rand() < 0.15
    text = _rand_pattern(rng, _pick(rng, pats))
    text = "".join(ch if (ch not in ALPHABET or ch in avail) else _pick(rng, sorted(avail.keys())) for ch in text)
    dark_text = rng.rand() < 0.85
    bgv, inkv = (rng.uniform(150, 245), rng.uniform(0, 70)) if dark_text else (rng.uniform(10, 80), rng.uniform(170, 250))
    gh = 60

    def line(t):
        parts = []
        for ch in t:
            if ch in " -.":
                w = int(gh * (0.35 if ch == " " else 0.3))
                p = np.full((gh, w), bgv, np.float32)
                if ch == "-":
                    p[int(gh * 0.45):int(gh * 0.55), w // 5:w - w // 5] = inkv
                elif ch == ".":
                    p[int(gh * 0.45):int(gh * 0.58), w // 3:w - w // 3] = inkv
                parts.append(p)
                continue
            g = _pick(rng, avail[ch])
            g = _norm_glyph(g, bgv, inkv)
            w = max(4, int(g.shape[1] * gh / g.shape[0]))
            parts.append(cv2.resize(g, (w, gh)))
            parts.append(np.full((gh, rng.randint(0, 6)), bgv, np.float32))
        return np.concatenate(parts, 1)

    if not two:
        rows = [line(text)]
    else:
        k = max(2, len(label_of(text)) // 2)
        t2 = label_of(text)
        rows = [line(t2[:k]), line(t2[k:])]
        text = t2
    W = max(r.shape[1] for r in rows)
    padx = int(W * rng.uniform(0.04, 0.12))
    pady = int(gh * rng.uniform(0.15, 0.35))
    gap = int(gh * rng.uniform(0.08, 0.2))
    H = pady * 2 + gh * len(rows) + gap * (len(rows) - 1)
    c = np.full((H, W + 2 * padx), bgv, np.float32)
    y = pady
    for r in rows:
        x = padx + (W - r.shape[1]) // 2
        c[y:y + gh, x:x + r.shape[1]] = r
        y += gh + gap
    c = np.repeat(c[:, :, None], 3, 2)
    if rng.rand() < 0.5:
        c = _border_and_bolts(c, rng, (inkv, inkv, inkv))
    return c, label_of(text)


# ---------------------------------------------------------------- composition / augmentation

def to_grey(rgb, rng):
    w = np.array([0.299, 0.587, 0.114]) + rng.uniform(-0.08, 0.08, 3)
    w = np.clip(w, 0.02, None)
    w = w / w.sum()
    return np.clip(rgb @ w.astype(np.float32), 0, 255).astype(np.uint8)


def load_backgrounds(root, n=200, seed=0):
    files = sorted(glob.glob(os.path.join(root, "*.jpg")) + glob.glob(os.path.join(root, "*.png")))
    r = np.random.RandomState(seed)
    if len(files) > n:
        files = [files[i] for i in sorted(r.choice(len(files), n, replace=False))]
    out = []
    for f in files:
        im = cv2.imread(f, cv2.IMREAD_GRAYSCALE)
        if im is None:
            continue
        s = 320.0 / max(im.shape)
        out.append(cv2.resize(im, (int(im.shape[1] * s), int(im.shape[0] * s)), interpolation=cv2.INTER_AREA))
    return out


def _bg_canvas(rng, bgs):
    if bgs and rng.rand() < 0.75:
        b = _pick(rng, bgs)
        h, w = b.shape
        ch = rng.randint(max(8, h // 8), max(9, h // 2))
        cw = ch * 3
        if cw >= w:
            cw = w - 1
        y, x = rng.randint(0, h - ch), rng.randint(0, w - cw)
        p = cv2.resize(b[y:y + ch, x:x + cw], (OUT_W, OUT_H)).astype(np.float32)
    else:
        p = np.full((OUT_H, OUT_W), rng.uniform(0, 255), np.float32)
        p += rng.normal(0, rng.uniform(0, 20), p.shape).astype(np.float32)
    return p


DEALER_WORDS = ["MOTORS", "AUTO", "AUTO GROUP", "TOYOTA", "HONDA", "FORD", "CHEVROLET", "NISSAN", "SUBARU", "KIA",
                "MAZDA", "LEXUS", "BMW", "INC.", "CITY", "NORTH", "VALLEY", "SALES", "CARS", "DEALERSHIP", "OF",
                "ALL STAR", "CENTER", "PLAZA", "LLC", ".COM", "USED CARS", "IMPORTS", "COUNTY", "BAY"]


def _dealer_text(rng):
    words = [_pick(rng, DEALER_WORDS) for _ in range(rng.randint(1, 3))]
    if rng.rand() < 0.5:
        words.insert(0, "".join(_pick(rng, LETTERS) for _ in range(rng.randint(3, 9))))
    return " ".join(words)


def add_frame(plate, rng):
    """A licence-plate frame around a grey plate: the dealer surrounds that many photographed plates wear.
    Detectors often box the frame rather than the plate, so the reader must see past a dark or chrome border
    and the dealer's name under (sometimes over) the characters. The frame may cover the plate's own edges."""
    h, w = plate.shape[:2]
    dark = rng.rand() < 0.65
    shade = rng.uniform(5, 60) if dark else rng.uniform(140, 225)
    side, top, bottom = (int(round(v)) for v in (w * rng.uniform(0.02, 0.08), h * rng.uniform(0.04, 0.16),
                                                  h * rng.uniform(0.1, 0.34)))
    cover = int(round(h * rng.uniform(0, 0.08)))
    out = np.full((h + top + bottom, w + 2 * side), shade, np.float32)
    out[top:top + h, side:side + w] = plate
    out[top:top + cover] = shade
    out[top + h - cover:top + h] = shade
    canvas = np.repeat(out[:, :, None], 3, 2)
    ink = (rng.uniform(180, 255) if dark else rng.uniform(0, 70),) * 3
    bands = [(top + h, top + h + bottom, 0.9)] + ([(0, top + cover, 0.45)] if top + cover > 6 and rng.rand() < 0.4 else [])
    for y0, y1, p in bands:
        if y1 - y0 >= 5 and rng.rand() < p:
            pad = (y1 - y0) * rng.uniform(0.12, 0.25)
            fp = _pick(rng, SMALL_FONTS + FONT_FILES["dejavu"] + FONT_FILES["lib"])
            put_text_line(canvas, rng, _dealer_text(rng), fp, (side, side + w), y0 + pad, y1 - pad, ink)
    return np.clip(canvas[:, :, 0], 0, 255).astype(np.uint8)


def host_canvas(rng, host, rect):
    """The reader-input canvas (grey float [64,192]) cut from a real vehicle photo around its plate: `host` is
    (RGB photo, plate box), and the host's plate lands inside `rect` (x0, y0, x1, y1 in canvas pixels: where
    the new plate will be drawn), aspect kept, so the bumper, recess, frame and lights around it are a real
    car's. The host's own plate is masked (blurred flat, characters gone) before the new one covers it: a
    rotated plate does not cover its whole box, and no unlabelled character may show beside the label's."""
    img, (hx0, hy0, hx1, hy1) = host
    rx0, ry0, rx1, ry1 = rect
    s = min((rx1 - rx0) / max(1.0, hx1 - hx0), (ry1 - ry0) / max(1.0, hy1 - hy0)) * rng.uniform(0.85, 1.0)
    ox = (rx0 + rx1) / 2 - s * (hx0 + hx1) / 2
    oy = (ry0 + ry1) / 2 - s * (hy0 + hy1) / 2
    m = np.float32([[s, 0, ox], [0, s, oy]])
    rgb = cv2.warpAffine(img, m, (OUT_W, OUT_H), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)
    c = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    bx0, by0 = int(math.floor(s * hx0 + ox)), int(math.floor(s * hy0 + oy))
    bx1, by1 = int(math.ceil(s * hx1 + ox)), int(math.ceil(s * hy1 + oy))
    bx0, by0, bx1, by1 = max(0, bx0 - 1), max(0, by0 - 1), min(OUT_W, bx1 + 1), min(OUT_H, by1 + 1)
    if bx1 > bx0 and by1 > by0:
        blurred = cv2.GaussianBlur(c, (0, 0), max(2.0, 0.5 * (by1 - by0)))
        c[by0:by1, bx0:bx1] = blurred[by0:by1, bx0:bx1]
    return c


def compose(plate, rng, bgs=None, geo=1.0, photo=1.0, loose=0.0, hosts=None, host_p=0.0):
    """plate: grey uint8 [h,w] (the plate itself). Returns uint8 [64,192] reader input.
    `loose`: probability that the box is LOOSE_WIDTH times too wide (and its square root too tall).
    `hosts`, `host_p`: with probability `host_p` the plate sits on a real vehicle from `hosts` (host_canvas)
    instead of a background patch.

    The plate is warped (rotation, perspective, shear), its axis-aligned box is the 'detector box', which is
    expanded by CROP_MARGIN (+jitter) per side and stretched to 192x64.
    """
    h, w = plate.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    # geometry in a normalised frame with the plate centred at 0
    ang = math.radians(rng.normal(0, 4) if rng.rand() < 0.85 else rng.uniform(-10, 10)) * geo
    ang = max(-math.radians(10), min(math.radians(10), ang))
    shear = rng.normal(0, 0.06) * geo
    pts = src - np.float32([w / 2, h / 2])
    pts[:, 0] += shear * pts[:, 1]
    # perspective: scale left/right edge heights differently, top/bottom widths differently
    px = rng.normal(0, 0.06) * geo
    py = rng.normal(0, 0.04) * geo
    pts[:, 1] *= 1 + px * np.sign(pts[:, 0])
    pts[:, 0] *= 1 + py * np.sign(pts[:, 1])
    ca, sa = math.cos(ang), math.sin(ang)
    pts = pts @ np.float32([[ca, sa], [-sa, ca]])
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    bw, bh = x1 - x0, y1 - y0
    mj = [CROP_MARGIN + rng.uniform(*MARGIN_JITTER) * geo for _ in range(4)]
    # only drawn when asked for: the recipes trained before it keep their random stream
    if loose and rng.rand() < loose:
        # k times as wide and sqrt(k) as tall, the plate anywhere but at the very edge of the box
        k = rng.uniform(*LOOSE_WIDTH)
        u, v = rng.uniform(0.2, 0.8, size=2)
        mj = [mj[0] + (k - 1) * u, mj[1] + (k - 1) * (1 - u),
              mj[2] + (math.sqrt(k) - 1) * v, mj[3] + (math.sqrt(k) - 1) * (1 - v)]
    cx0, cx1 = x0 - mj[0] * bw, x1 + mj[1] * bw
    cy0, cy1 = y0 - mj[2] * bh, y1 + mj[3] * bh
    dst = np.empty_like(pts)
    dst[:, 0] = (pts[:, 0] - cx0) / (cx1 - cx0) * OUT_W
    dst[:, 1] = (pts[:, 1] - cy0) / (cy1 - cy0) * OUT_H
    M = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    # pre-shrink large plates to limit aliasing
    scale = min(1.0, 2.0 * OUT_W / w)
    if scale < 0.99:
        pl = cv2.resize(plate, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
        S = np.float32([[1 / scale, 0, 0], [0, 1 / scale, 0], [0, 0, 1]])
        M = M @ S
    else:
        pl = plate
    # drawn only when asked for, like `loose`
    if hosts and host_p and rng.rand() < host_p:
        canvas = host_canvas(rng, hosts[rng.randint(len(hosts))], (dst[:, 0].min(), dst[:, 1].min(), dst[:, 0].max(), dst[:, 1].max()))
    else:
        canvas = _bg_canvas(rng, bgs)
    warped = cv2.warpPerspective(pl.astype(np.float32), M, (OUT_W, OUT_H), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    mask = cv2.warpPerspective(np.ones(pl.shape[:2], np.float32), M, (OUT_W, OUT_H), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    img = canvas * (1 - mask) + warped * mask
    return photometric(img, rng, photo)


def distant(img, rng, plate_px=(55, 110)):
    """The reader input a plate `plate_px` wide in the photo gives: the crop is sampled up from few pixels,
    after the camera's JPEG. Used for validation, where the random mix of photometric() is not wanted."""
    H, W = img.shape
    s = rng.uniform(*plate_px) * (1 + 2 * CROP_MARGIN) / W
    small = cv2.resize(img, (max(8, int(W * s)), max(4, int(H * s))), interpolation=cv2.INTER_AREA)
    ok, enc = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(50, 85))])
    if ok:
        small = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR)


def photometric(img, rng, strength=1.0):
    img = img.astype(np.float32)
    if strength <= 0:
        return np.clip(img, 0, 255).astype(np.uint8)
    H, W = img.shape
    # shadows: a darker half-plane
    if rng.rand() < 0.25 * strength:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        a = rng.uniform(0, 2 * math.pi)
        d = (xx - rng.uniform(0, W)) * math.cos(a) + (yy - rng.uniform(0, H)) * math.sin(a) * 3
        m = (d > 0).astype(np.float32)
        m = cv2.GaussianBlur(m, (0, 0), rng.uniform(0.5, 4))
        img = img * (1 - m * rng.uniform(0.3, 0.7))
    # dirt blotches
    if rng.rand() < 0.2 * strength:
        for _ in range(rng.randint(1, 6)):
            cx, cy = rng.uniform(0, W), rng.uniform(0, H)
            r = rng.uniform(2, 10)
            yy, xx = np.ogrid[0:H, 0:W]
            m = np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 1.5) ** 2) / (2 * r * r))).astype(np.float32)
            img = img * (1 - m * rng.uniform(0.2, 0.6)) + m * rng.uniform(0.2, 0.6) * rng.uniform(40, 120)
    # night / IR look: strong contrast curve
    if rng.rand() < 0.15 * strength:
        lo, hi = np.percentile(img, 5), np.percentile(img, 95)
        img = (img - lo) / max(1.0, hi - lo)
        img = 1 / (1 + np.exp(-(img - 0.5) * rng.uniform(5, 12)))
        img = img * 255
    # brightness / contrast / gamma
    if rng.rand() < 0.8:
        c = rng.uniform(0.35, 1.3) if rng.rand() < 0.3 else rng.uniform(0.7, 1.15)
        m = img.mean()
        img = (img - m) * c + m + rng.uniform(-50, 50)
        img = np.clip(img, 0, 255)
        img = 255.0 * (img / 255.0) ** rng.uniform(0.6, 1.6)
    if rng.rand() < 0.06:
        img = 255 - img
    # low resolution
    if rng.rand() < LOWRES_P * strength:
        s = rng.uniform(*LOWRES_RANGE)
        small = cv2.resize(img, (max(8, int(W * s)), max(4, int(H * s * rng.uniform(0.8, 1.2)))),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR)
    # blur (gaussian or horizontal motion)
    r = rng.rand()
    if r < 0.3 * strength:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.6))
    elif r < 0.4 * strength:
        k = rng.randint(2, 7)
        ker = np.zeros((k, k), np.float32)
        if rng.rand() < 0.5:
            ker[k // 2, :] = 1.0 / k
        else:
            ker[:, k // 2] = 1.0 / k
        img = cv2.filter2D(img, -1, ker)
    # noise
    if rng.rand() < 0.5 * strength:
        img = img + rng.normal(0, rng.uniform(2, 14), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    # jpeg artefacts
    if rng.rand() < 0.35 * strength:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(12, 70))])
        if ok:
            img = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)
    return img


SYNTH_KINDS = ["US", "EU", "UK", "BR", "MERCOSUR", "US2", "EU2", "UK2", "BR2", "MERC2", "GLYPH"]
SYNTH_WEIGHTS = np.array([0.17, 0.30, 0.07, 0.05, 0.08, 0.05, 0.05, 0.03, 0.02, 0.03, 0.15])
SYNTH_WEIGHTS = SYNTH_WEIGHTS / SYNTH_WEIGHTS.sum()


def kind_weights(two_row_boost=1.0):
    if two_row_boost == 1.0:
        return SYNTH_WEIGHTS  # exactly the default mix (keeps seeded pools bit-identical)
    w = np.array([v * (two_row_boost if k.endswith("2") else 1.0) for k, v in zip(SYNTH_KINDS, SYNTH_WEIGHTS)])
    return w / w.sum()


def make_plate(rng, bgs=None, glyphs=None, kind=None, weights=None, emblems=False):
    """Random clean plate as grey uint8 (height ~100 px), label, kind."""
    if kind is None:
        kind = SYNTH_KINDS[rng.choice(len(SYNTH_KINDS), p=SYNTH_WEIGHTS if weights is None else weights)]
    if kind == "GLYPH" and not glyphs:
        kind = "EU"
    rgb, label = render_plate(rng, kind, bgs, glyphs, emblems)
    g = to_grey(rgb, rng)
    # store at a bounded size (keeps the in-memory pool small)
    s = min(1.0, 260.0 / g.shape[1], 120.0 / g.shape[0])
    if s < 1:
        g = cv2.resize(g, (max(1, int(g.shape[1] * s)), max(1, int(g.shape[0] * s))), interpolation=cv2.INTER_AREA)
    return g, label, kind


if __name__ == "__main__":
    # preview: python3 models/train/synth/platesynth.py /tmp/synth_preview.png
    import sys
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/synth_preview.png"
    root = datapaths.DATASETS
    rng = np.random.RandomState(0)
    bgs = load_backgrounds(os.path.join(root, "backgrounds/images"), n=40)
    glyphs = load_glyphs(os.path.join(root, "plate-chars"))
    tiles = []
    for i in range(40):
        kind = SYNTH_KINDS[i % len(SYNTH_KINDS)]
        g, lab, k = make_plate(rng, bgs, glyphs, kind)
        x = compose(g, rng, bgs)
        t = np.full((80, 200), 255, np.uint8)
        t[:64, :192] = x
        cv2.putText(t, f"{k}:{lab}", (2, 77), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 0, 1)
        tiles.append(t)
    rows = [np.concatenate(tiles[i:i + 5], 1) for i in range(0, 40, 5)]
    cv2.imwrite(out, np.concatenate(rows, 0))
    print("wrote", out)
