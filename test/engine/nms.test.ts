import { describe, expect, it } from 'vitest';
import { passSizes } from '../../src/engine/detect.js';
import { nonMaxSuppression, parseDetections } from '../../src/engine/nms.js';

const rows = (r: number[][]): Float32Array => Float32Array.from(r.flat());

describe('parseDetections', () => {
  it('drops rows under the threshold, NaN scores and degenerate boxes', () => {
    const raw = rows([
      [0, 0, 10, 10, 0.9],
      [0, 0, 10, 10, 0.1],
      [0, 0, 10, 10, Number.NaN],
      [10, 0, 10, 10, 0.95],
      [0, 0, 10, 10, 1.2],
    ]);
    const d = parseDetections(raw, 0.3);
    expect(d.map((x) => x.score)).toEqual([expect.closeTo(0.9, 5), 1]);
  });

  it('reads wider rows with a stride', () => {
    const d = parseDetections(rows([[0, 0, 5, 5, 0.8, 42]]), 0.5, 6);
    expect(d).toHaveLength(1);
  });
});

describe('nonMaxSuppression', () => {
  const box = (x: number, score: number) => ({ box: { xmin: x, ymin: 0, xmax: x + 10, ymax: 10 }, score });

  it('keeps the best of overlapping boxes and all disjoint ones, sorted by score', () => {
    const kept = nonMaxSuppression([box(0, 0.5), box(1, 0.9), box(50, 0.7), box(2, 0.8)], 0.45, 10);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
  });

  it('keeps boxes overlapping less than the IoU threshold', () => {
    // IoU of x=0 and x=6 boxes: 4*10 / (200-40) = 0.25
    expect(nonMaxSuppression([box(0, 0.9), box(6, 0.8)], 0.45, 10)).toHaveLength(2);
    expect(nonMaxSuppression([box(0, 0.9), box(6, 0.8)], 0.2, 10)).toHaveLength(1);
  });

  it('caps the output and the candidates considered', () => {
    const many = Array.from({ length: 20 }, (_, i) => box(i * 20, 1 - i / 100));
    expect(nonMaxSuppression(many, 0.45, 5)).toHaveLength(5);
    expect(nonMaxSuppression(many, 0.45, 50, 3)).toHaveLength(3);
  });
});

describe('passSizes', () => {
  it('adds the larger pass only for images larger than the native size, never upsampling', () => {
    expect(passSizes([640, 960], 1280)).toEqual([640, 960]);
    expect(passSizes([640, 960], 640)).toEqual([640]);
    expect(passSizes([416], 4000)).toEqual([416]);
    // Never upsampled: capped at the image's own size, skipped when that gains less than 1.2x.
    expect(passSizes([640, 960], 800)).toEqual([640, 800]);
    expect(passSizes([640, 960], 720)).toEqual([640]);
    expect(passSizes([640, 960], 768)).toEqual([640, 768]);
    // ENGINE_UPSAMPLE: the full-size pass for anything larger than the native one.
    expect(passSizes([640, 960], 800, true)).toEqual([640, 960]);
    expect(passSizes([640, 960], 640, true)).toEqual([640]);
  });

  it('runs the redaction full-resolution pass at most at the image size, and only when it adds 1.2x', () => {
    expect(passSizes([640, 1280, 1920], 1920)).toEqual([640, 1280, 1920]);
    expect(passSizes([640, 1280, 1920], 4000)).toEqual([640, 1280, 1920]);
    // 1440 is within 1.2x of the 1280 pass; 800 already ends at the image size.
    expect(passSizes([640, 1280, 1920], 1440)).toEqual([640, 1280]);
    expect(passSizes([640, 1280, 1920], 1600)).toEqual([640, 1280, 1600]);
    expect(passSizes([640, 1280, 1920], 800)).toEqual([640, 800]);
    // An upsampled second pass is not followed by a larger upsampled one.
    expect(passSizes([640, 1280, 1920], 800, true)).toEqual([640, 1280]);
    expect(passSizes([640, 1280, 1920], 1600, true)).toEqual([640, 1280, 1600]);
  });
});
