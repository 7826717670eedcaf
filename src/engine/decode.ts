/**
 * Image decoding: untrusted bytes -> raw RGB pixels, once per request. EXIF orientation is applied here, so
 * everything downstream (boxes included) is in the coordinates of the image as a viewer shows it.
 */
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { AppError, InvalidImageError, tooManyPixelsError } from '../errors.js';
import { decodeBmp, isBmp } from './bmp.js';
import type { AxisScale } from './box-map.js';
import type { RawImage } from './crop.js';
import { computeLetterbox, type Letterbox, packLetterboxPixels } from './letterbox.js';
import { borrowBytes, returnBytes } from './tensor-pool.js';

// libvips' operation cache (sharp's default: up to 50 MB and 100 operations per process) only pays when the
// same input is processed again; every upload is new bytes, so it would hold memory and never hit.
sharp.cache(false);

/** ~40 MP: above any camera the vendor's customers use, far below what exhausts a worker's memory. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Raster formats a camera or phone produces (BMP too, through bmp.ts). SVG/PDF are refused: they are documents, not photos. */
const ALLOWED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

export interface DecodeOptions {
  maxPixels: number;
  /**
   * Images at least four times this size are shrunk while decoding by 4 or 8 (JPEG shrink-on-load makes that
   * cheaper than a full decode), never below it. Boxes are still reported in original coordinates.
   */
  maxSide: number;
}

export interface DecodedImage {
  /** Size of the uploaded image after EXIF rotation: the coordinate system of every returned box. */
  width: number;
  height: number;
  /** Pixels actually decoded (RGB), possibly smaller than width x height. */
  raw: RawImage;
  /** Original -> decoded pixel scale (1 when nothing was shrunk). */
  toRaw: AxisScale;
}

/**
 * Shrinks JPEG decoding does for us, largest first. Not 2: with the libvips build sharp ships, a 1/2
 * shrink-on-load decode is slower than a full one (1280x720: 6.6 vs 4.8 ms, 1920x1080: 12.8 vs 9.1 ms,
 * 4000x3000: 57.5 vs 43.2 ms), while 1/4 and 1/8 save 20-65 % (scratch timing, 15 runs each). A
 * non-integer shrink would cost a full decode plus a resample: slower than not shrinking at all.
 */
const SHRINK_FACTORS = [8, 4] as const;

/** The largest of SHRINK_FACTORS keeping the longest side >= maxSide, or 1. */
export function shrinkFactor(longestSide: number, maxSide: number): number {
  for (const f of SHRINK_FACTORS) if (longestSide / f >= maxSide) return f;
  return 1;
}

function isPixelLimitError(e: unknown): boolean {
  return e instanceof Error && /pixel limit/i.test(e.message);
}

/** ISOBMFF brands of HEVC-coded HEIF (iPhone photos); AVIF, the AV1 kind, decodes with sharp's own libvips. */
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/** Whether the file's `ftyp` box names an HEVC brand, as its major brand or a compatible one. */
export function isHevcHeif(bytes: Uint8Array): boolean {
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 16 || ascii(4) !== 'ftyp') return false;
  const boxEnd = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
  if (HEVC_BRANDS.has(ascii(8))) return true;
  for (let at = 16; at + 4 <= boxEnd; at += 4) if (HEVC_BRANDS.has(ascii(at))) return true;
  return false;
}

function toDecodeError(e: unknown, bytes: Uint8Array): AppError {
  if (e instanceof AppError) return e;
  if (isPixelLimitError(e)) return tooManyPixelsError();
  // The prebuilt libvips has no HEVC decoder: say so rather than call an iPhone photo invalid.
  if (isHevcHeif(bytes)) return new InvalidImageError('HEIC images (HEVC) cannot be decoded by this server: send JPEG, PNG, WebP or AVIF.');
  return new InvalidImageError();
}

interface OpenedImage {
  pipeline: Sharp;
  /** After EXIF rotation. */
  width: number;
  height: number;
}

async function openWithSharp(bytes: Uint8Array, input: SharpOptions, maxPixels: number): Promise<OpenedImage> {
  const meta = await sharp(bytes, input).metadata();
  if (!ALLOWED_FORMATS.has(meta.format)) throw new InvalidImageError(`Unsupported image format: ${meta.format}.`);
  if (meta.width * meta.height > maxPixels) throw tooManyPixelsError();
  return { pipeline: sharp(bytes, input), width: meta.autoOrient.width, height: meta.autoOrient.height };
}

/** BMP has no EXIF orientation: its rows are the image as shown. */
function openBmp(bytes: Uint8Array, maxPixels: number): OpenedImage {
  const { rgba, width, height } = decodeBmp(bytes, maxPixels);
  return { pipeline: sharp(rgba, { raw: { width, height, channels: 4 } }), width, height };
}

/** Decode `bytes` to raw RGB. Throws InvalidImageError (400) or PayloadTooLargeError (413). */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions): Promise<DecodedImage> {
  if (bytes.length === 0) throw new InvalidImageError('The uploaded file is empty.');
  // failOn 'error' rejects truncated and corrupt data but tolerates the harmless warnings real cameras
  // produce (sharp's default 'warning' would refuse those). limitInputPixels makes libvips refuse a
  // decompression bomb from its header, before allocating anything.
  const input = { failOn: 'error', limitInputPixels: opts.maxPixels, autoOrient: true } as const;
  try {
    const { pipeline: source, width, height } = isBmp(bytes) ? openBmp(bytes, opts.maxPixels) : await openWithSharp(bytes, input, opts.maxPixels);
    let pipeline = source;
    const factor = shrinkFactor(Math.max(width, height), opts.maxSide);
    if (factor > 1) {
      // Exactly libjpeg's scaled size (ceil), so shrink-on-load does all the work and no resample follows.
      pipeline = pipeline.resize({ width: Math.ceil(width / factor), height: Math.ceil(height / factor), fit: 'fill', fastShrinkOnLoad: true });
    }
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new InvalidImageError();
    const raw: RawImage = {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 3,
    };
    return { width, height, raw, toRaw: { scaleX: info.width / width, scaleY: info.height / height } };
  } catch (e) {
    throw toDecodeError(e, bytes);
  }
}

export interface DetectorInput {
  /** The letterbox canvas, interleaved RGB bytes [canvasHeight, canvasWidth, 3]. */
  pixels: Uint8Array;
  letterbox: Letterbox;
  /** Call once the model has run: hands a pooled canvas back (tensor-pool.ts). */
  release: () => void;
}

/** Decoded pixels resized to a letterbox's inner size (interleaved RGB). */
export interface LetterboxPixels {
  pixels: Uint8Array;
  letterbox: Letterbox;
}

/** Resizes done for one image, by letterbox size: a later, smaller pass may be derived from one of them. */
export type ResizeCache = Map<number, LetterboxPixels>;

/** 2x2 box average of interleaved RGB: exactly the half-size image, at a fraction of a resample's cost. */
export function halveRgb(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8Array(w * h * 3);
  const row = width * 3;
  let dst = 0;
  // Indices stay inside the image by construction (`!`, not `?? 0`); channels unrolled: ~20 % faster.
  for (let y = 0; y < h; y++) {
    let top = 2 * y * row;
    let bottom = top + row;
    for (const end = dst + w * 3; dst < end; top += 6, bottom += 6) {
      out[dst++] = (pixels[top]! + pixels[top + 3]! + pixels[bottom]! + pixels[bottom + 3]! + 2) >> 2;
      out[dst++] = (pixels[top + 1]! + pixels[top + 4]! + pixels[bottom + 1]! + pixels[bottom + 4]! + 2) >> 2;
      out[dst++] = (pixels[top + 2]! + pixels[top + 5]! + pixels[bottom + 2]! + pixels[bottom + 5]! + 2) >> 2;
    }
  }
  return out;
}

/**
 * The decoded image resized into a `size` letterbox. When `cache` holds a letterbox exactly twice as large
 * (the plate detector's 640 pass for the vehicle detector's 320), it is halved instead of resampling the
 * full image again.
 */
export async function letterboxPixels(raw: RawImage, size: number, tight: boolean, cache?: ResizeCache): Promise<LetterboxPixels> {
  const cached = cache?.get(size);
  if (cached) return cached;
  const letterbox = computeLetterbox(raw.width, raw.height, size, tight);
  const double = cache?.get(size * 2);
  let pixels: Uint8Array;
  if (double && double.letterbox.innerWidth === 2 * letterbox.innerWidth && double.letterbox.innerHeight === 2 * letterbox.innerHeight) {
    pixels = halveRgb(double.pixels, double.letterbox.innerWidth, double.letterbox.innerHeight);
  } else if (letterbox.innerWidth !== raw.width || letterbox.innerHeight !== raw.height) {
    // libvips resizes with a proper reduce filter (no aliasing) and SIMD; a JS loop would be ~5x slower.
    const resized = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } })
      .resize(letterbox.innerWidth, letterbox.innerHeight, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    pixels = new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
  } else {
    pixels = raw.data;
  }
  const out = { pixels, letterbox };
  cache?.set(size, out);
  return out;
}

/**
 * Resize the decoded pixels into the detector's letterbox canvas (square unless `tight`). A canvas with
 * padding is borrowed from this thread's pool; one the resized image fills exactly is the image itself.
 */
export async function buildDetectorInput(raw: RawImage, size: number, tight = false, cache?: ResizeCache): Promise<DetectorInput> {
  const { pixels, letterbox } = await letterboxPixels(raw, size, tight, cache);
  if (letterbox.innerWidth === letterbox.canvasWidth && letterbox.innerHeight === letterbox.canvasHeight) {
    return { pixels, letterbox, release: () => {} };
  }
  const canvas = packLetterboxPixels(pixels, letterbox, borrowBytes(3 * letterbox.canvasWidth * letterbox.canvasHeight));
  return { pixels: canvas, letterbox, release: () => returnBytes(canvas) };
}
