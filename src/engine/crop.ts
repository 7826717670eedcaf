/**
 * Plate crop for the reader: take the detector box (in decoded-image pixels), grow it by a margin, and
 * stretch it (no letterbox, as the reader was trained) into a greyscale [1, H, W] float tensor in [0,1].
 * An optional rotation about the box centre levels a tilted plate (see deskew.ts).
 */
import type { Box } from './types.js';

export interface RawImage {
  /** Interleaved pixels, row-major, `channels` bytes per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface CropOptions {
  /** Reader input size. */
  width: number;
  height: number;
  /** Grow the box by this fraction of its width/height on each side (manifest `crop_margin`). */
  margin: number;
}

/** Box grown by the margin, clamped to the image; never thinner than one pixel. */
export function expandBox(box: Box, margin: number, width: number, height: number): Box {
  const mx = (box.xmax - box.xmin) * margin;
  const my = (box.ymax - box.ymin) * margin;
  const xmin = Math.max(0, box.xmin - mx);
  const ymin = Math.max(0, box.ymin - my);
  return {
    xmin,
    ymin,
    xmax: Math.min(width, Math.max(xmin + 1, box.xmax + mx)),
    ymax: Math.min(height, Math.max(ymin + 1, box.ymax + my)),
  };
}

/** BT.601 luma, the weights cv2's IMREAD_GRAYSCALE uses, which is what the reader's training crops went through. */
function lumaAt(img: RawImage, x: number, y: number): number {
  const i = (y * img.width + x) * img.channels;
  const d = img.data;
  if (img.channels < 3) return d[i] ?? 0;
  return 0.299 * (d[i] ?? 0) + 0.587 * (d[i + 1] ?? 0) + 0.114 * (d[i + 2] ?? 0);
}

/** A per-pixel value of an image: luma, or one colour channel. */
export type PixelValue = (img: RawImage, x: number, y: number, channel: number) => number;

/** Bilinear `value` at a continuous position (pixel centres at integer + 0.5), edges clamped. */
export function sampleBilinear(img: RawImage, fx: number, fy: number, value: PixelValue, channel = 0): number {
  const x = Math.min(Math.max(fx - 0.5, 0), img.width - 1);
  const y = Math.min(Math.max(fy - 0.5, 0), img.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const ax = x - x0;
  const ay = y - y0;
  const top = value(img, x0, y0, channel) * (1 - ax) + value(img, x1, y0, channel) * ax;
  const bottom = value(img, x0, y1, channel) * (1 - ax) + value(img, x1, y1, channel) * ax;
  return top * (1 - ay) + bottom * ay;
}

/** Bilinear luma at a continuous position. */
export function sampleLuma(img: RawImage, fx: number, fy: number): number {
  return sampleBilinear(img, fx, fy, lumaAt);
}

/**
 * The rectangle a rotated plate occupies inside its axis-aligned box: a plate w x h tilted by `angle` has a
 * bounding box of (w cos + h sin) x (w sin + h cos); invert that so a levelled crop is not padded with the
 * extra height the tilt added. Falls back to the box when the inversion degenerates (near 45 degrees).
 */
export function levelledSize(bw: number, bh: number, angle: number): { w: number; h: number } {
  const c = Math.cos(angle);
  const s = Math.abs(Math.sin(angle));
  const det = c * c - s * s;
  if (det < 0.5) return { w: bw, h: bh };
  const w = (bw * c - bh * s) / det;
  const h = (bh * c - bw * s) / det;
  return w > bw * 0.5 && h > bh * 0.5 ? { w, h } : { w: bw, h: bh };
}

/**
 * Write the reader tensor for one plate into `out` at `offset` (allocates when `out` is omitted).
 * `angle` (radians, clockwise in image coordinates) rotates the sampling grid about the box centre.
 * When the crop shrinks by more than ~1.5x, each output pixel averages a grid of bilinear samples so that
 * large close-up plates do not alias (plain bilinear skips source pixels when downscaling).
 */
export function cropToReaderTensor(
  img: RawImage,
  box: Box,
  opts: CropOptions,
  out: Float32Array = new Float32Array(opts.width * opts.height),
  offset = 0,
  angle = 0,
): Float32Array {
  const cx = (box.xmin + box.xmax) / 2;
  const cy = (box.ymin + box.ymax) / 2;
  const size = angle === 0 ? { w: box.xmax - box.xmin, h: box.ymax - box.ymin } : levelledSize(box.xmax - box.xmin, box.ymax - box.ymin, angle);
  // Margin after levelling, so it is a fraction of the plate, as in training; clamping happens per sample.
  const bw = size.w * (1 + 2 * opts.margin);
  const bh = size.h * (1 + 2 * opts.margin);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const stepX = bw / opts.width;
  const stepY = bh / opts.height;
  const nx = Math.max(1, Math.min(4, Math.round(stepX)));
  const ny = Math.max(1, Math.min(4, Math.round(stepY)));
  const norm = 1 / (255 * nx * ny);
  for (let oy = 0; oy < opts.height; oy++) {
    for (let ox = 0; ox < opts.width; ox++) {
      let acc = 0;
      for (let sy = 0; sy < ny; sy++) {
        const v = (oy + (sy + 0.5) / ny) * stepY - bh / 2;
        for (let sx = 0; sx < nx; sx++) {
          const u = (ox + (sx + 0.5) / nx) * stepX - bw / 2;
          acc += sampleLuma(img, cx + u * cos - v * sin, cy + u * sin + v * cos);
        }
      }
      out[offset + oy * opts.width + ox] = acc * norm;
    }
  }
  return out;
}
