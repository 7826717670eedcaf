import { describe, expect, it } from 'vitest';
import type { RawImage } from '../../src/engine/crop.js';
import { needsVehicles } from '../../src/engine/pipeline.js';
import { cropToRgbTensor } from '../../src/engine/rgb-crop.js';
import { DEFAULT_RECOGNISE_OPTIONS } from '../../src/engine/types.js';
import { calibrateScore, rawScoreFor } from '../../src/engine/calibration.js';

/** width x height, left half red, right half blue. */
function halves(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) data[i] = 255;
      else data[i + 2] = 255;
    }
  }
  return { data, width, height, channels: 3 };
}

describe('vehicle crop', () => {
  it('writes planar RGB in [0,1], stretched from the box', () => {
    const t = cropToRgbTensor(halves(200, 100), { xmin: 0, ymin: 0, xmax: 200, ymax: 100 }, 8, 8);
    const plane = 64;
    expect(t[0]).toBeCloseTo(1, 5); // R, top-left
    expect(t[2 * plane]).toBeCloseTo(0, 5); // B, top-left
    expect(t[7]).toBeCloseTo(0, 5); // R, top-right
    expect(t[2 * plane + 7]).toBeCloseTo(1, 5); // B, top-right
    expect(t[plane + 3]).toBeCloseTo(0, 5); // G everywhere
  });

  it('crops only the box, at an offset in a batch', () => {
    const out = new Float32Array(2 * 3 * 16);
    cropToRgbTensor(halves(200, 100), { xmin: 120, ymin: 10, xmax: 180, ymax: 90 }, 4, 4, out, 3 * 16);
    expect(out.subarray(0, 48).every((v) => v === 0)).toBe(true);
    expect(out.subarray(48, 64).every((v) => Math.abs(v) < 1e-6)).toBe(true); // no red right of centre
    expect(out.subarray(80, 96).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true); // all blue
  });
});

describe('vehicle score and cost', () => {
  it('maps raw scores through the Platt calibration', () => {
    expect(calibrateScore(0.7, { a: 1, b: 0 })).toBeCloseTo(0.7, 5);
    expect(calibrateScore(0.5, { a: 2, b: 1 })).toBeCloseTo(1 / (1 + Math.exp(-1)), 5);
    expect(calibrateScore(0.9, { a: 0.5, b: 0 })).toBeLessThan(0.9);
    expect(calibrateScore(1, { a: 1, b: 0 })).toBeLessThanOrEqual(1);
    const cal = { a: 2.3, b: -1.4 };
    for (const p of [0.1, 0.5, 0.9]) expect(calibrateScore(rawScoreFor(p, cal), cal)).toBeCloseTo(p, 6);
    expect([rawScoreFor(0, cal), rawScoreFor(1, cal)]).toEqual([0, 1]);
  });

  it('runs the vehicle model except in plain fast mode, and not for an image without plates', () => {
    const o = DEFAULT_RECOGNISE_OPTIONS;
    expect(needsVehicles(o, 1)).toBe(true);
    expect(needsVehicles({ ...o, mode: 'redaction' }, 1)).toBe(true);
    expect(needsVehicles({ ...o, mode: 'fast' }, 1)).toBe(false);
    expect(needsVehicles({ ...o, mode: 'fast', detectionRule: 'strict' }, 1)).toBe(true);
    expect(needsVehicles({ ...o, mode: 'fast', detectionMode: 'vehicle' }, 1)).toBe(true);
    expect(needsVehicles({ ...o, mode: 'fast', mmc: true }, 1)).toBe(true);
    // No plate: nothing to pair or filter; only vehicle mode lists vehicles on their own.
    expect(needsVehicles({ ...o, mmc: true, detectionRule: 'strict' }, 0)).toBe(false);
    expect(needsVehicles({ ...o, detectionMode: 'vehicle' }, 0)).toBe(true);
  });
});
