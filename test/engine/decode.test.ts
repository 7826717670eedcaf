import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { LETTERBOX_PAD } from '../../src/engine/letterbox.js';
import { borrowBytes } from '../../src/engine/tensor-pool.js';
import { buildDetectorInput, DEFAULT_MAX_PIXELS, decodeImage, halveRgb, isHevcHeif, letterboxPixels, type ResizeCache, shrinkFactor } from '../../src/engine/decode.js';
import { InvalidImageError, PayloadTooLargeError } from '../../src/errors.js';
import { bmpOf, corruptPng, noisyJpeg, pngDeclaring, solidJpeg } from './helpers/images.js';

const opts = { maxPixels: DEFAULT_MAX_PIXELS, maxSide: 4096 };

describe('decodeImage', () => {
  it('decodes a JPEG to raw RGB at full size', async () => {
    const d = await decodeImage(await solidJpeg(64, 32), opts);
    expect([d.width, d.height, d.raw.width, d.raw.height, d.raw.channels]).toEqual([64, 32, 64, 32, 3]);
    expect(d.raw.data.length).toBe(64 * 32 * 3);
    expect(d.toRaw).toEqual({ scaleX: 1, scaleY: 1 });
  });

  it('applies EXIF orientation: a 64x32 photo tagged "rotate 90" is 32x64', async () => {
    const d = await decodeImage(await solidJpeg(64, 32, 6), opts);
    expect([d.width, d.height, d.raw.width, d.raw.height]).toEqual([32, 64, 32, 64]);
  });

  it('turns greyscale and alpha inputs into 3-channel RGB', async () => {
    const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } }).greyscale().png().toBuffer();
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).webp().toBuffer();
    for (const b of [grey, rgba]) expect((await decodeImage(b, opts)).raw.channels).toBe(3);
  });

  it('shrinks large images on load and reports the scale back to the original', async () => {
    const d = await decodeImage(await solidJpeg(3840, 2160), { ...opts, maxSide: 960 });
    expect([d.width, d.height]).toEqual([3840, 2160]);
    expect([d.raw.width, d.raw.height]).toEqual([960, 540]);
    expect(d.toRaw.scaleX).toBeCloseTo(0.25);
  });

  it('rejects a truncated JPEG with 400', async () => {
    const jpg = await noisyJpeg(256, 256);
    await expect(decodeImage(jpg.subarray(0, Math.floor(jpg.length / 2)), opts)).rejects.toBeInstanceOf(InvalidImageError);
  });

  it('rejects a corrupt PNG, garbage, an empty upload and SVG with 400', async () => {
    for (const b of [await corruptPng(), Buffer.from('definitely not an image'), Buffer.alloc(0), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')]) {
      await expect(decodeImage(b, opts)).rejects.toBeInstanceOf(InvalidImageError);
    }
  });

  it('refuses a tiny PNG declaring 30000x30000 with 413, quickly', async () => {
    const bomb = pngDeclaring(30_000, 30_000);
    expect(bomb.length).toBeLessThan(200);
    const t0 = performance.now();
    const err = await decodeImage(bomb, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).status).toBe(413);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('says an HEIC (HEVC) photo cannot be decoded here instead of calling it invalid', async () => {
    // An iPhone file's ftyp box (major brand heic, compatible mif1 heic) and a meta box this build cannot use.
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
    const heic = Buffer.concat([ftyp, Buffer.from([0, 0, 0, 16]), Buffer.from('meta\0\0\0\0\0\0\0\0', 'latin1')]);
    expect(isHevcHeif(heic)).toBe(true);
    await expect(decodeImage(heic, opts)).rejects.toThrow(/HEIC images \(HEVC\) cannot be decoded/);
    // AVIF is HEIF with AV1 inside: not refused by brand, and sharp decodes it.
    const avif = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#345' } }).avif().toBuffer();
    expect(isHevcHeif(avif)).toBe(false);
    expect((await decodeImage(avif, opts)).raw.width).toBe(16);
  });

  describe('BMP (bmp.ts: libvips has no BMP loader)', () => {
    // 5x3 gradient: odd width, so every row carries padding.
    const w = 5;
    const h = 3;
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 17) % 256);

    it('decodes 24-bit bottom-up and top-down files to the same RGB pixels', async () => {
      for (const topDown of [false, true]) {
        const d = await decodeImage(bmpOf(rgb, w, h, { topDown }), opts);
        expect([d.width, d.height, d.raw.channels]).toEqual([w, h, 3]);
        expect([...d.raw.data]).toEqual([...rgb]);
      }
    });

    it('decodes an 8-bit palette file', async () => {
      const d = await decodeImage(bmpOf(rgb, w, h, { bits: 8 }), opts);
      const grey = (i: number) => Math.round(((rgb[3 * i] ?? 0) + (rgb[3 * i + 1] ?? 0) + (rgb[3 * i + 2] ?? 0)) / 3);
      expect([...d.raw.data]).toEqual(Array.from({ length: w * h }, (_, i) => [grey(i), grey(i), grey(i)]).flat());
    });

    it('refuses a truncated file and a header declaring 30000x30000 pixels, before decoding them', async () => {
      const whole = bmpOf(rgb, w, h);
      await expect(decodeImage(whole.subarray(0, whole.length - 4), opts)).rejects.toBeInstanceOf(InvalidImageError);
      await expect(decodeImage(whole.subarray(0, 20), opts)).rejects.toBeInstanceOf(InvalidImageError);
      const bomb = Buffer.from(whole);
      bomb.writeInt32LE(30000, 18);
      bomb.writeInt32LE(30000, 22);
      await expect(decodeImage(bomb, opts)).rejects.toBeInstanceOf(PayloadTooLargeError);
      // Within the pixel limit but its rows are missing: refused from the header, without allocating them.
      bomb.writeInt32LE(4000, 18);
      bomb.writeInt32LE(4000, 22);
      await expect(decodeImage(bomb, opts)).rejects.toBeInstanceOf(InvalidImageError);
    });
  });

  it('honours a configured pixel limit', async () => {
    await expect(decodeImage(await solidJpeg(100, 100), { ...opts, maxPixels: 5000 })).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('shrinkFactor', () => {
  it('picks the shrink JPEG decodes faster at, never going under maxSide', () => {
    expect(shrinkFactor(1280, 960)).toBe(1); // 1.33x would need a resample: decode in full instead
    expect(shrinkFactor(1920, 960)).toBe(1); // 1/2 shrink-on-load is slower than a full decode
    expect(shrinkFactor(3839, 960)).toBe(1);
    expect(shrinkFactor(4032, 960)).toBe(4);
    expect(shrinkFactor(8000, 960)).toBe(8);
    expect(shrinkFactor(4000, 2560)).toBe(1);
  });
});

describe('buildDetectorInput', () => {
  it('letterboxes the decoded pixels into a padded [S,S,3] canvas, pooled and handed back on release', async () => {
    const d = await decodeImage(await solidJpeg(200, 100), opts);
    const input = await buildDetectorInput(d.raw, 64);
    expect(input.letterbox).toMatchObject({ innerWidth: 64, innerHeight: 32 });
    expect(input.pixels.length).toBe(3 * 64 * 64);
    expect(input.pixels[0]).toBeGreaterThan(180); // red channel of the image area
    expect(input.pixels[3 * 64 * 40]).toBe(LETTERBOX_PAD); // below the image: padding
    input.release();
    expect(borrowBytes(3 * 64 * 64)).toBe(input.pixels);
  });

  it('hands over the resized image itself when it fills the canvas', async () => {
    const d = await decodeImage(await solidJpeg(128, 64), opts);
    const cache: ResizeCache = new Map();
    const input = await buildDetectorInput(d.raw, 64, true, cache);
    expect(input.letterbox).toMatchObject({ canvasWidth: 64, canvasHeight: 32 });
    expect(input.pixels).toBe(cache.get(64)?.pixels);
  });
});

describe('letterbox resize reuse', () => {
  it('halves RGB by 2x2 averaging', () => {
    // 4x2: left 2x2 block red 0/100/200/100 -> 100, right block green 255.
    const px = Uint8Array.from([0, 0, 0, 100, 0, 0, 0, 255, 0, 0, 255, 0, 200, 0, 0, 100, 0, 0, 0, 255, 0, 0, 255, 0]);
    expect([...halveRgb(px, 4, 2)]).toEqual([100, 0, 0, 0, 255, 0]);
  });

  it('derives the 320 letterbox from a cached 640 one, and resamples when sizes do not halve exactly', async () => {
    const raw = { data: new Uint8Array(800 * 600 * 3).fill(90), width: 800, height: 600, channels: 3 };
    const cache: ResizeCache = new Map();
    const big = await letterboxPixels(raw, 640, true, cache);
    big.pixels[0] = 250; // marks the cached buffer: a derived half-size image must show it
    const small = await letterboxPixels(raw, 320, true, cache);
    expect([small.letterbox.innerWidth, small.letterbox.innerHeight]).toEqual([320, 240]);
    expect(small.pixels[0]).toBe(Math.round((250 + 90 * 3) / 4));
    expect(await letterboxPixels(raw, 320, true, cache)).toBe(small);
    const odd = { ...raw, width: 801, data: new Uint8Array(801 * 600 * 3).fill(90) };
    const oddCache: ResizeCache = new Map();
    (await letterboxPixels(odd, 640, true, oddCache)).pixels[0] = 250;
    expect((await letterboxPixels(odd, 320, true, oddCache)).pixels[0]).toBe(90);
  });
});
