import { describe, expect, it } from 'vitest';
import { clampBox, composeScale, iou, roundBox, scaleBox, unscaleBox } from '../../src/engine/box-map.js';
import { computeLetterbox, LETTERBOX_PAD, packLetterboxPixels } from '../../src/engine/letterbox.js';

describe('computeLetterbox', () => {
  it('fits the long side and keeps the aspect ratio', () => {
    const lb = computeLetterbox(1280, 720, 640);
    expect(lb).toMatchObject({ size: 640, innerWidth: 640, innerHeight: 360, scaleX: 0.5, scaleY: 0.5 });
  });

  it('handles portrait and upscaling', () => {
    expect(computeLetterbox(300, 600, 416)).toMatchObject({ innerWidth: 208, innerHeight: 416 });
    expect(computeLetterbox(100, 50, 640)).toMatchObject({ innerWidth: 640, innerHeight: 320, scaleX: 6.4 });
  });

  it('tight canvases round the fitted image up to the stride instead of squaring it', () => {
    expect(computeLetterbox(1280, 720, 640, true)).toMatchObject({ canvasWidth: 640, canvasHeight: 384, innerHeight: 360 });
    expect(computeLetterbox(1280, 720, 640)).toMatchObject({ canvasWidth: 640, canvasHeight: 640 });
    const t = packLetterboxPixels(new Uint8Array(640 * 360 * 3), computeLetterbox(1280, 720, 640, true));
    expect(t.length).toBe(3 * 640 * 384);
    expect(t[3 * 640 * 370]).toBe(LETTERBOX_PAD);
    expect(t[3 * 640 * 359]).toBe(0);
  });

  it('never produces an empty side for extreme aspect ratios', () => {
    const lb = computeLetterbox(10_000, 3, 640);
    expect(lb.innerHeight).toBe(1);
    expect(lb.innerWidth).toBe(640);
  });
});

describe('packLetterboxPixels', () => {
  it('lays the RGB rows top-left into the canvas and pads right and below with grey', () => {
    const lb = computeLetterbox(4, 2, 4, true); // inner 4x2, canvas 32x32
    const px = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i + 1);
    const t = packLetterboxPixels(px, lb);
    expect(t.length).toBe(3 * 32 * 32);
    expect([...t.subarray(0, 12)]).toEqual([...px.subarray(0, 12)]); // row 0
    expect([...t.subarray(3 * 32, 3 * 32 + 12)]).toEqual([...px.subarray(12, 24)]); // row 1
    expect(t[12]).toBe(LETTERBOX_PAD); // right of row 0
    expect(t[3 * 32 * 2]).toBe(LETTERBOX_PAD); // row 2 is padding
    expect(t[t.length - 1]).toBe(LETTERBOX_PAD);
  });

  it('copies a canvas-wide image in one piece and pads only below it', () => {
    const lb = computeLetterbox(64, 40, 64, true); // inner 64x40, canvas 64x64
    const px = new Uint8Array(64 * 40 * 3).fill(9);
    const t = packLetterboxPixels(px, lb);
    expect(t[3 * 64 * 40 - 1]).toBe(9);
    expect(t[3 * 64 * 40]).toBe(LETTERBOX_PAD);
  });
});

describe('box mapping', () => {
  it('round-trips image -> tensor -> image through a shrink and a letterbox', () => {
    const shrink = { scaleX: 960 / 1920, scaleY: 540 / 1080 };
    const lb = computeLetterbox(960, 540, 416);
    const toTensor = composeScale(shrink, lb);
    const box = { xmin: 812, ymin: 604, xmax: 1010, ymax: 655 };
    // The chain detect.ts applies: back to upload pixels (before NMS), then clamped and rounded for the wire.
    const back = roundBox(clampBox(unscaleBox(scaleBox(box, toTensor), toTensor), 1920, 1080));
    expect(back).toEqual(box);
  });

  it('clamps boxes that spill over the image edge and orders corners', () => {
    expect(clampBox({ xmin: -5, ymin: 10, xmax: 50, ymax: 2000 }, 40, 100)).toEqual({ xmin: 0, ymin: 10, xmax: 40, ymax: 100 });
    expect(clampBox({ xmin: 30, ymin: 20, xmax: 10, ymax: 5 }, 40, 100)).toEqual({ xmin: 10, ymin: 5, xmax: 30, ymax: 20 });
  });

  it('unscaleBox inverts scaleBox', () => {
    const s = { scaleX: 0.3, scaleY: 0.7 };
    const b = { xmin: 1, ymin: 2, xmax: 3, ymax: 4 };
    const r = unscaleBox(scaleBox(b, s), s);
    expect(r.xmax).toBeCloseTo(3);
    expect(r.ymax).toBeCloseTo(4);
  });

  it('computes IoU', () => {
    const a = { xmin: 0, ymin: 0, xmax: 10, ymax: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { xmin: 5, ymin: 0, xmax: 15, ymax: 10 })).toBeCloseTo(50 / 150);
    expect(iou(a, { xmin: 20, ymin: 20, xmax: 30, ymax: 30 })).toBe(0);
  });
});
