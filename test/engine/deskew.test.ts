import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { levelledSize, type RawImage } from '../../src/engine/crop.js';
import { estimateSkew, plateNeighbourhood } from '../../src/engine/deskew.js';

/** A white plate (200x60 times `scale`) with 7 black "characters", rotated by `deg` on a grey canvas. */
async function tiltedPlate(deg: number, scale = 1): Promise<{ img: RawImage; box: { xmin: number; ymin: number; xmax: number; ymax: number } }> {
  const bars = Array.from({ length: 7 }, (_, i) => `<rect x="${14 + i * 26}" y="12" width="14" height="36" fill="#000"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><rect width="200" height="60" fill="#fff"/>${bars}</svg>`;
  const plate = await sharp(Buffer.from(svg))
    .resize(Math.round(200 * scale), Math.round(60 * scale))
    .rotate(deg, { background: '#808080' })
    .png()
    .toBuffer({ resolveWithObject: true });
  const { data, info } = await sharp({ create: { width: 200 + Math.round(300 * scale), height: 200 + Math.round(200 * scale), channels: 3, background: '#808080' } })
    .composite([{ input: plate.data, left: 100, top: 100 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const box = { xmin: 100, ymin: 100, xmax: 100 + plate.info.width, ymax: 100 + plate.info.height };
  return { img: { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels }, box };
}

describe('estimateSkew', () => {
  it('leaves a level plate alone', async () => {
    const { img, box } = await tiltedPlate(0);
    expect(estimateSkew(img, box, 0.06)).toBe(0);
  });

  it.each([8, -8, 12])('finds a %d degree tilt within 3 degrees', async (deg) => {
    const { img, box } = await tiltedPlate(deg);
    expect(Math.abs((estimateSkew(img, box, 0.06) * 180) / Math.PI - deg)).toBeLessThanOrEqual(3);
  });

  // 0.45: a 90 px plate, read at its own pixels; 4: an 800 px close-up, read from its averaged-down neighbourhood.
  it.each([
    [0.45, 8],
    [4, -10],
    [4, 0],
  ])('finds the tilt of a plate %f times the size (%d degrees)', async (scale, deg) => {
    const { img, box } = await tiltedPlate(deg, scale);
    expect(Math.abs((estimateSkew(img, box, 0.06) * 180) / Math.PI - deg)).toBeLessThanOrEqual(3);
  });
});

describe('plateNeighbourhood', () => {
  it('averages a large plate down to about the patch width, keeping the box where the plate is', async () => {
    const { img, box } = await tiltedPlate(0, 4);
    const near = plateNeighbourhood(img, box, 0.06);
    expect(near.img.channels).toBe(1);
    expect(near.box.xmax - near.box.xmin).toBeCloseTo(96, 0);
    // The plate's white body sits inside the box, the grey canvas outside it.
    const at = (x: number, y: number) => near.img.data[Math.round(y) * near.img.width + Math.round(x)] ?? 0;
    expect(at(near.box.xmin + 3, (near.box.ymin + near.box.ymax) / 2)).toBeGreaterThan(220);
    expect(at(near.box.xmin - 4, (near.box.ymin + near.box.ymax) / 2)).toBeLessThan(140);
  });

  it('returns a small plate as it is', async () => {
    const { img, box } = await tiltedPlate(0, 0.45);
    expect(plateNeighbourhood(img, box, 0.06)).toEqual({ img, box });
  });
});

describe('levelledSize', () => {
  it('inverts the bounding box of a rotated rectangle', () => {
    const a = (10 * Math.PI) / 180;
    const [w, h] = [200, 60];
    const bw = w * Math.cos(a) + h * Math.sin(a);
    const bh = w * Math.sin(a) + h * Math.cos(a);
    const r = levelledSize(bw, bh, a);
    expect(r.w).toBeCloseTo(w, 6);
    expect(r.h).toBeCloseTo(h, 6);
  });

  it('falls back to the box when the inversion is ill-conditioned', () => {
    expect(levelledSize(100, 100, Math.PI / 4)).toEqual({ w: 100, h: 100 });
  });
});
