import { describe, expect, it } from 'vitest';
import { clampBox, composeScale, iou, roundBox, scaleBox, unscaleBox } from '../../src/engine/box-map.js';
import { computeLetterbox, LETTERBOX_PAD, packLetterboxTensor } from '../../src/engine/letterbox.js';

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
    const t = packLetterboxTensor(new Uint8Array(640 * 360 * 3), computeLetterbox(1280, 720, 640, true));
    expect(t.length).toBe(3 * 640 * 384);
    expect(t[640 * 370]).toBe(LETTERBOX_PAD);
  });

  it('never produces an empty side for extreme aspect ratios', () => {
    const lb = computeLetterbox(10_000, 3, 640);
    expect(lb.innerHeight).toBe(1);
    expect(lb.innerWidth).toBe(640);
  });
});

describe('packLetterboxTensor', () => {
  it('writes planar RGB top-left and pads the rest with grey', () => {
    const lb = computeLetterbox(2, 1, 4); // inner 4x2
    const px = new Uint8Array(4 * 2 * 3);
    px.set([255, 0, 51], 0); // pixel (0,0)
    px.set([0, 255, 0], 3 * 5); // pixel (1,1)
    const t = packLetterboxTensor(px, lb);
    const plane = 16;
    expect(t.length).toBe(3 * plane);
    expect([t[0], t[plane]]).toEqual([1, 0]);
    expect(t[2 * plane]).toBeCloseTo(51 / 255, 6);
    expect(t[plane + 4 + 1]).toBe(1); // G of (1,1)
    expect(t[2 * 4]).toBe(LETTERBOX_PAD); // row 2 is padding
    expect(t[3 * plane - 1]).toBe(LETTERBOX_PAD);
  });

  it('replicates a grey channel into RGB', () => {
    const lb = computeLetterbox(1, 1, 2);
    const t = packLetterboxTensor(Uint8Array.of(255, 255, 255, 255), lb, 1);
    expect([t[0], t[4], t[8]]).toEqual([1, 1, 1]);
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
