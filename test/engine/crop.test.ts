import { describe, expect, it } from 'vitest';
import { cropToReaderTensor, expandBox, levelledSize, type RawImage } from '../../src/engine/crop.js';

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

  it('samples as a bilinear read of every colour tap would, also rotated and past the image edges', () => {
    // Reference: the crop computed tap by tap from the RGB pixels (luma of each tap), edges clamped.
    const w = 120;
    const h = 70;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    const img: RawImage = { data, width: w, height: h, channels: 3 };
    const luma = (x: number, y: number): number => {
      const i = (y * w + x) * 3;
      return 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
    };
    const bilinear = (fx: number, fy: number): number => {
      const x = Math.min(Math.max(fx - 0.5, 0), w - 1);
      const y = Math.min(Math.max(fy - 0.5, 0), h - 1);
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ax = x - x0;
      const ay = y - y0;
      return (luma(x0, y0) * (1 - ax) + luma(x1, y0) * ax) * (1 - ay) + (luma(x0, y1) * (1 - ax) + luma(x1, y1) * ax) * ay;
    };
    const out = { width: 48, height: 16, margin: 0.1 };
    const cases: Array<[{ xmin: number; ymin: number; xmax: number; ymax: number }, number]> = [
      [{ xmin: 20, ymin: 20, xmax: 80, ymax: 40 }, 0],
      [{ xmin: -15, ymin: 50, xmax: 70, ymax: 85 }, 0], // past the left and bottom edges
      [{ xmin: 90, ymin: -10, xmax: 135, ymax: 12 }, 0.2], // rotated, past the top and right edges
      [{ xmin: 0, ymin: 0, xmax: 120, ymax: 70 }, -0.15], // the whole image, shrunk (2 samples per pixel)
    ];
    for (const [box, angle] of cases) {
      const got = cropToReaderTensor(img, box, out, undefined, 0, angle);
      const cx = (box.xmin + box.xmax) / 2;
      const cy = (box.ymin + box.ymax) / 2;
      const size = angle === 0 ? { w: box.xmax - box.xmin, h: box.ymax - box.ymin } : levelledSize(box.xmax - box.xmin, box.ymax - box.ymin, angle);
      const bw = size.w * 1.2;
      const bh = size.h * 1.2;
      const nx = Math.max(1, Math.min(4, Math.round(bw / out.width)));
      const ny = Math.max(1, Math.min(4, Math.round(bh / out.height)));
      for (let oy = 0; oy < out.height; oy++) {
        for (let ox = 0; ox < out.width; ox++) {
          let acc = 0;
          for (let sy = 0; sy < ny; sy++) {
            for (let sx = 0; sx < nx; sx++) {
              const u = ((ox + (sx + 0.5) / nx) * bw) / out.width - bw / 2;
              const v = ((oy + (sy + 0.5) / ny) * bh) / out.height - bh / 2;
              acc += bilinear(cx + u * Math.cos(angle) - v * Math.sin(angle), cy + u * Math.sin(angle) + v * Math.cos(angle));
            }
          }
          expect(got[oy * out.width + ox]).toBeCloseTo(acc / (255 * nx * ny), 5);
        }
      }
    }
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
