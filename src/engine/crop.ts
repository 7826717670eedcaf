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

/** A one-channel float image of part of a larger one: pixel (x, y) of the larger is data[(y - y0) * width + x - x0]. */
interface LumaPlane {
  data: Float32Array;
  x0: number;
  y0: number;
  width: number;
}

/**
 * Planes up to this many pixels (a plate ~1000 px wide with its margin) reuse one buffer per thread: crops run
 * synchronously, one at a time. Larger ones (close-ups of a 40 MP photo) are allocated per crop and not kept.
 */
const KEPT_PLANE_PIXELS = 1 << 20;
let keptPlane = new Float32Array(0);

function planeBuffer(pixels: number): Float32Array {
  if (pixels > KEPT_PLANE_PIXELS) return new Float32Array(pixels);
  if (keptPlane.length < pixels) keptPlane = new Float32Array(Math.min(KEPT_PLANE_PIXELS, 2 * pixels));
  return keptPlane;
}

/**
 * BT.601 luma (the weights cv2's IMREAD_GRAYSCALE uses, which is what the reader's training crops went
 * through) of the pixels [x0, x1] x [y0, y1] (inclusive) of `img`, computed once per pixel: a crop samples
 * each source pixel many times (4 bilinear taps per sample, up to 16 samples per output pixel), and luma is
 * linear, so interpolating the luma plane gives what interpolating the colours and taking their luma would.
 */
function lumaPlane(img: RawImage, x0: number, y0: number, x1: number, y1: number): LumaPlane {
  const width = x1 - x0 + 1;
  const data = planeBuffer(width * (y1 - y0 + 1));
  const src = img.data;
  const ch = img.channels;
  for (let y = y0, o = 0; y <= y1; y++) {
    let i = (y * img.width + x0) * ch;
    if (ch < 3) for (let x = x0; x <= x1; x++, i += ch) data[o++] = src[i] ?? 0;
    else for (let x = x0; x <= x1; x++, i += ch) data[o++] = 0.299 * (src[i] ?? 0) + 0.587 * (src[i + 1] ?? 0) + 0.114 * (src[i + 2] ?? 0);
  }
  return { data, x0, y0, width };
}

/** Bilinear value at plane index `i`, its right and lower neighbours `dx` and `dy` entries away (0 at an edge). */
function bilinearAt(luma: Float32Array, i: number, dx: number, dy: number, ax: number, ay: number): number {
  const top = (luma[i] ?? 0) * (1 - ax) + (luma[i + dx] ?? 0) * ax;
  const bottom = (luma[i + dy] ?? 0) * (1 - ax) + (luma[i + dy + dx] ?? 0) * ax;
  return top * (1 - ay) + bottom * ay;
}

/** Bilinear taps along one axis of a level crop: per sample, the plane offset of its first tap, the step to the second, its weight. */
export interface AxisTaps {
  offset: Int32Array;
  next: Int32Array;
  weight: Float64Array;
}

/**
 * The taps of the `n * k` samples along one axis (k per output pixel) of a crop `extent` long centred on
 * `centre`, for a plane starting at `origin` whose neighbouring pixels are `stride` apart; positions are
 * clamped to [0, max] as sampleBilinear does, with the same arithmetic as the rotated path.
 */
export function axisTaps(centre: number, extent: number, step: number, n: number, k: number, origin: number, max: number, stride: number): AxisTaps {
  const taps = { offset: new Int32Array(n * k), next: new Int32Array(n * k), weight: new Float64Array(n * k) };
  for (let o = 0; o < n; o++) {
    for (let j = 0; j < k; j++) {
      const p = Math.min(Math.max(centre + ((o + (j + 0.5) / k) * step - extent / 2) - 0.5, 0), max);
      const p0 = Math.floor(p);
      taps.offset[o * k + j] = (p0 - origin) * stride;
      taps.next[o * k + j] = p0 < max ? stride : 0;
      taps.weight[o * k + j] = p - p0;
    }
  }
  return taps;
}

/**
 * Write the reader tensor for one plate into `out` at `offset` (allocates when `out` is omitted).
 * `angle` (radians, clockwise in image coordinates) rotates the sampling grid about the box centre.
 * When the crop shrinks by more than ~1.5x, each output pixel averages a grid of bilinear samples so that
 * large close-up plates do not alias (plain bilinear skips source pixels when downscaling).
 * Samples are bilinear in the luma plane of the region they reach, edges clamped (sampleBilinear's rule).
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
  const maxX = img.width - 1;
  const maxY = img.height - 1;
  // Every sample lies in the rotated bw x bh rectangle about the centre: its corners bound the pixels read
  // (one pixel of slack for the bilinear neighbour and rounding).
  const ex = (Math.abs(cos) * bw + Math.abs(sin) * bh) / 2;
  const ey = (Math.abs(sin) * bw + Math.abs(cos) * bh) / 2;
  const clampX = (v: number): number => Math.min(Math.max(v, 0), maxX);
  const clampY = (v: number): number => Math.min(Math.max(v, 0), maxY);
  const plane = lumaPlane(
    img,
    Math.floor(clampX(cx - ex - 1.5)),
    Math.floor(clampY(cy - ey - 1.5)),
    Math.ceil(clampX(cx + ex + 1.5)),
    Math.ceil(clampY(cy + ey + 1.5)),
  );
  if (angle === 0) {
    // Level crops (a plate deskew finds level, or deskew off) sample a separable grid: each column's and row's taps are found once.
    const cols = axisTaps(cx, bw, stepX, opts.width, nx, plane.x0, maxX, 1);
    const rows = axisTaps(cy, bh, stepY, opts.height, ny, plane.y0, maxY, plane.width);
    const luma = plane.data;
    for (let oy = 0; oy < opts.height; oy++) {
      for (let ox = 0; ox < opts.width; ox++) {
        let acc = 0;
        for (let r = oy * ny; r < (oy + 1) * ny; r++) {
          const row = rows.offset[r] ?? 0;
          const dy = rows.next[r] ?? 0;
          const ay = rows.weight[r] ?? 0;
          for (let c = ox * nx; c < (ox + 1) * nx; c++) {
            const i = row + (cols.offset[c] ?? 0);
            const dx = cols.next[c] ?? 0;
            const ax = cols.weight[c] ?? 0;
            acc += bilinearAt(luma, i, dx, dy, ax, ay);
          }
        }
        out[offset + oy * opts.width + ox] = acc * norm;
      }
    }
    return out;
  }
  const luma = plane.data;
  const pw = plane.width;
  for (let oy = 0; oy < opts.height; oy++) {
    for (let ox = 0; ox < opts.width; ox++) {
      let acc = 0;
      for (let sy = 0; sy < ny; sy++) {
        const v = (oy + (sy + 0.5) / ny) * stepY - bh / 2;
        for (let sx = 0; sx < nx; sx++) {
          const u = (ox + (sx + 0.5) / nx) * stepX - bw / 2;
          const x = clampX(cx + u * cos - v * sin - 0.5);
          const y = clampY(cy + u * sin + v * cos - 0.5);
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const ax = x - x0;
          const ay = y - y0;
          const i = (y0 - plane.y0) * pw + (x0 - plane.x0);
          const dx = x0 < maxX ? 1 : 0;
          const dy = y0 < maxY ? pw : 0;
          acc += bilinearAt(luma, i, dx, dy, ax, ay);
        }
      }
      out[offset + oy * opts.width + ox] = acc * norm;
    }
  }
  return out;
}
