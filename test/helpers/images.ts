import { readFileSync } from 'node:fs';
import { pngDeclaring } from '../engine/helpers/images.js';

/** A real car photo with a US plate (us-plates-yolo, CC BY 4.0). */
export const CAR_JPEG = new Uint8Array(readFileSync(new URL('../fixtures/http/car.jpg', import.meta.url)));

/** A few hundred bytes that declare width x height pixels: a decompression bomb if decoded naively. */
export function bombPng(width = 30000, height = 30000): Uint8Array {
  return new Uint8Array(pngDeclaring(width, height));
}

/** The first part of a real JPEG: a valid header, then nothing. */
export function truncatedJpeg(): Uint8Array {
  return CAR_JPEG.slice(0, Math.floor(CAR_JPEG.length / 3));
}

/** A PNG signature followed by garbage. */
export function corruptPng(): Uint8Array {
  const bytes = new Uint8Array(400);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 37) % 251;
  return bytes;
}

export function form(fields: Record<string, string | string[] | Blob>, file?: { bytes: Uint8Array; name: string }) {
  const fd = new FormData();
  if (file) fd.append('upload', new Blob([file.bytes]), file.name);
  for (const [k, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? v : [v]) fd.append(k, item);
  }
  return fd;
}
