/**
 * BMP uploads. libvips (sharp) has no BMP loader, yet older IP cameras and capture cards still send BMP, so
 * bmpimagejs (a port of NetSurf's libnsbmp: every bit depth, RLE4/RLE8, bit fields, top-down rows) decodes them
 * into RGBA that sharp takes as raw pixels. (bmp-ts was tried first: its palette and RLE paths write the
 * channels out of order.)
 * The header is checked first: the pixel limit before anything is allocated, and for uncompressed files that
 * the pixel rows are all there, so a truncated or lying file fails cheaply.
 */
import { decode } from 'bmpimagejs';
import { InvalidImageError, tooManyPixelsError } from '../errors.js';

/** BITMAPFILEHEADER (14 bytes) + the BITMAPINFOHEADER fields up to the compression (biCompression ends at 34). */
const MIN_HEADER_BYTES = 34;
/** biCompression values whose pixel rows are stored uncompressed (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS). */
const UNCOMPRESSED = new Set([0, 3, 6]);

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM"
}

/** Decoded BMP pixels: interleaved RGBA, rows top-down. */
export interface BmpPixels {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** Decode a BMP (isBmp). Throws PayloadTooLargeError above `maxPixels`, InvalidImageError otherwise. */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): BmpPixels {
  if (bytes.length < MIN_HEADER_BYTES) throw new InvalidImageError();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const height = Math.abs(view.getInt32(22, true)); // negative: rows stored top-down
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (width <= 0 || height === 0) throw new InvalidImageError();
  if (width * height > maxPixels) throw tooManyPixelsError();
  // Rows are padded to 4 bytes.
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (UNCOMPRESSED.has(compression) && dataOffset + rowBytes * height > bytes.length) throw new InvalidImageError();
  try {
    const bmp = decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const rgba = new Uint8Array(bmp.pixels.buffer, bmp.pixels.byteOffset, bmp.pixels.byteLength);
    if (rgba.length !== width * height * 4) throw new InvalidImageError();
    return { rgba, width, height };
  } catch {
    throw new InvalidImageError();
  }
}
