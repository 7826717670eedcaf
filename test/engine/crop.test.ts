import { describe, expect, it } from 'vitest';
import { cropToReaderTensor, expandBox, type RawImage } from '../../src/engine/crop.js';

/** 100x50 RGB image: left half black, right half white. */
function halves(): RawImage {
  const data = new Uint8Array(100 * 50 * 3);
  for (let y = 0; y < 50; y++) for (let x = 50; x < 100; x++) data.fill(255, (y * 100 + x) * 3, (y * 100 + x) * 3 + 3);
  return { data, width: 100, height: 50, channels: 3 };
}

describe('expandBox', () => {
  it('grows by the margin on each side and clamps to the image', () => {
    expect(expandBox({ xmin: 10, ymin: 10, xmax: 30, ymax: 20 }, 0.1, 100, 50)).toEqual({ xmin: 8, ymin: 9, xmax: 32, ymax: 21 });
    expect(expandBox({ xmin: 0, ymin: 0, xmax: 100, ymax: 50 }, 0.2, 100, 50)).toEqual({ xmin: 0, ymin: 0, xmax: 100, ymax: 50 });
  });
});

describe('cropToReaderTensor', () => {
  const size = { width: 192, height: 64, margin: 0 };

  it('stretches the box to the reader size in greyscale [0,1]', () => {
    const t = cropToReaderTensor(halves(), { xmin: 40, ymin: 0, xmax: 60, ymax: 50 }, size);
    expect(t.length).toBe(192 * 64);
    expect(t[10]).toBe(0); // left part of the crop is black
    expect(t[190]).toBe(1); // right part is white
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...t)).toBeLessThanOrEqual(1);
  });

  it('uses BT.601 luma', () => {
    const img: RawImage = { data: Uint8Array.of(255, 0, 0), width: 1, height: 1, channels: 3 };
    const t = cropToReaderTensor(img, { xmin: 0, ymin: 0, xmax: 1, ymax: 1 }, { width: 2, height: 2, margin: 0 });
    expect(t[0]).toBeCloseTo(0.299, 5);
  });

  it('writes into a batch buffer at an offset', () => {
    const out = new Float32Array(2 * 192 * 64).fill(-1);
    cropToReaderTensor(halves(), { xmin: 60, ymin: 0, xmax: 90, ymax: 50 }, size, out, 192 * 64);
    expect(out[0]).toBe(-1);
    expect(out[192 * 64]).toBe(1);
  });

  it('averages when shrinking a large crop instead of aliasing', () => {
    // 1-pixel stripes, 8 source pixels per output pixel: the average is mid grey, not black or white.
    const w = 1536;
    const data = new Uint8Array(w * 64 * 3);
    for (let x = 0; x < w; x += 2) for (let y = 0; y < 64; y++) data.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const t = cropToReaderTensor({ data, width: w, height: 64, channels: 3 }, { xmin: 0, ymin: 0, xmax: w, ymax: 64 }, size);
    expect(t[100]).toBeGreaterThan(0.35);
    expect(t[100]).toBeLessThan(0.65);
  });
});
