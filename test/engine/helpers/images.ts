/** Image builders for decode tests: valid, rotated, truncated, corrupt and bomb files, made in memory. */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export function solidJpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg();
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

/** Noise compresses badly, so truncating the file really cuts into pixel data. */
export function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) >>> 24;
  return sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A ~100-byte PNG whose header declares `width` x `height` RGB pixels: a decompression bomb's shape. */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A real PNG with its compressed pixel data scrambled (CRCs left stale). */
export async function corruptPng(): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 64, height: 32, channels: 3, background: '#0a0' } }).png().toBuffer());
  for (let i = 60; i < png.length - 20; i++) png[i] = (png[i] ?? 0) ^ 0x5a;
  return png;
}

/**
 * A BMP written byte by byte (not by the decoder's library): 24-bit BGR rows, or 8-bit with a grey palette,
 * bottom-up unless `topDown` (negative height), rows padded to 4 bytes. `rgb` is interleaved, top row first.
 */
export function bmpOf(rgb: Uint8Array, width: number, height: number, opts: { bits?: 24 | 8; topDown?: boolean } = {}): Buffer {
  const bits = opts.bits ?? 24;
  const rowBytes = Math.ceil((width * bits) / 32) * 4;
  const paletteBytes = bits === 8 ? 256 * 4 : 0;
  const offset = 54 + paletteBytes;
  const out = Buffer.alloc(offset + rowBytes * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  out.writeInt32LE(width, 18);
  out.writeInt32LE(opts.topDown ? -height : height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bits, 28);
  out.writeUInt32LE(rowBytes * height, 34);
  if (bits === 8) for (let i = 0; i < 256; i++) out.writeUInt32LE(i * 0x010101, 54 + 4 * i);
  for (let y = 0; y < height; y++) {
    const row = offset + (opts.topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const [r = 0, g = 0, b = 0] = [rgb[i], rgb[i + 1], rgb[i + 2]];
      if (bits === 8) out[row + x] = Math.round((r + g + b) / 3);
      else out.set([b, g, r], row + 3 * x);
    }
  }
  return out;
}
