import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** A real car photo with a US plate (us-plates-yolo, CC BY 4.0). */
export const CAR_JPEG = new Uint8Array(readFileSync(new URL('../fixtures/http/car.jpg', import.meta.url)));

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A few hundred bytes that declare width x height pixels: a decompression bomb if decoded naively. */
export function bombPng(width = 30000, height = 30000): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.alloc(1024));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', idat),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
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
