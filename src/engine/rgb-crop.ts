/**
 * Vehicle crop for the attribute classifier: the box stretched (no letterbox, as in training) to a planar RGB
 * float tensor [3, H, W] in [0,1]. Downscaling averages a grid of point samples per output pixel, close to
 * the area interpolation the training crops went through; enlarging samples bilinearly.
 */
import { type RawImage, sampleBilinear } from './crop.js';
import type { Box } from './types.js';

function channelAt(img: RawImage, x: number, y: number, c: number): number {
  return img.data[(y * img.width + x) * img.channels + (img.channels < 3 ? 0 : c)] ?? 0;
}

function sample(img: RawImage, fx: number, fy: number, c: number): number {
  return sampleBilinear(img, fx, fy, channelAt, c);
}

/** The pixel index containing a continuous coordinate, edges clamped. */
function clampIndex(f: number, size: number): number {
  return Math.min(Math.max(Math.floor(f), 0), size - 1);
}

/** Write the [3, height, width] tensor of `box` (decoded-image pixels) into `out` at `offset`. */
export function cropToRgbTensor(
  img: RawImage,
  box: Box,
  width: number,
  height: number,
  out: Float32Array = new Float32Array(3 * width * height),
  offset = 0,
): Float32Array {
  const bw = Math.max(1, box.xmax - box.xmin);
  const bh = Math.max(1, box.ymax - box.ymin);
  const stepX = bw / width;
  const stepY = bh / height;
  const nx = Math.max(1, Math.min(4, Math.round(stepX)));
  const ny = Math.max(1, Math.min(4, Math.round(stepY)));
  const norm = 1 / (255 * nx * ny);
  const plane = width * height;
  // Enlarging: one bilinear sample per output pixel and channel.
  if (nx * ny === 1) {
    for (let oy = 0; oy < height; oy++) {
      const fy = box.ymin + (oy + 0.5) * stepY;
      for (let ox = 0; ox < width; ox++) {
        const fx = box.xmin + (ox + 0.5) * stepX;
        for (let c = 0; c < 3; c++) out[offset + c * plane + oy * width + ox] = sample(img, fx, fy, c) * norm;
      }
    }
    return out;
  }
  // Shrinking: the grid of point samples already averages the area (bilinear on top would cost 4x the reads).
  // Each sample's source column and row (the clamped floor of its position) depend on the output column or row
  // alone, so they are found once per crop instead of per channel and pixel.
  const step = img.channels;
  const xs = new Int32Array(width * nx);
  for (let ox = 0; ox < width; ox++) {
    for (let sx = 0; sx < nx; sx++) xs[ox * nx + sx] = clampIndex(box.xmin + (ox + (sx + 0.5) / nx) * stepX, img.width) * step;
  }
  const ys = new Int32Array(height * ny);
  for (let oy = 0; oy < height; oy++) {
    for (let sy = 0; sy < ny; sy++) ys[oy * ny + sy] = clampIndex(box.ymin + (oy + (sy + 0.5) / ny) * stepY, img.height) * img.width * step;
  }
  const data = img.data;
  for (let c = 0; c < 3; c++) {
    const channel = img.channels < 3 ? 0 : c;
    for (let oy = 0; oy < height; oy++) {
      for (let ox = 0; ox < width; ox++) {
        let acc = 0;
        for (let sy = 0; sy < ny; sy++) {
          const rowAt = ys[oy * ny + sy]! + channel;
          for (let sx = 0; sx < nx; sx++) acc += data[rowAt + xs[ox * nx + sx]!]!;
        }
        out[offset + c * plane + oy * width + ox] = acc * norm;
      }
    }
  }
  return out;
}
