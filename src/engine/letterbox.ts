/**
 * Letterboxing for the plate detector: keep the aspect ratio, place the resized image at the top-left of a
 * square canvas and fill the rest with grey. Placing it top-left (no centring offset) keeps the mapping back to
 * image coordinates a pure per-axis scale; the detector was trained the same way.
 */

/** Grey fill the detector was trained with (value in [0,1]). */
export const LETTERBOX_PAD = 0.5;

export interface Letterbox {
  /** Longest side the image is fitted to. */
  size: number;
  /**
   * Tensor width and height. Square (size x size) as in training, or, when `tight`, the fitted image rounded
   * up to the detector's stride: the model is fully convolutional with dynamic H,W, and a 16:9 frame then
   * costs 640x384 instead of 640x640 (40% less compute, same detections up to border effects).
   */
  canvasWidth: number;
  canvasHeight: number;
  /** Size of the resized image inside the canvas, in tensor pixels. */
  innerWidth: number;
  innerHeight: number;
  /** Tensor pixels per source pixel, per axis (they differ slightly after rounding). */
  scaleX: number;
  scaleY: number;
}

/** The detector's stride: tensor sides must be multiples of it. */
export const DETECTOR_STRIDE = 32;

/** Geometry of letterboxing a `width` x `height` source into a `size` x `size` canvas (or a tight one). */
export function computeLetterbox(width: number, height: number, size: number, tight = false): Letterbox {
  if (width <= 0 || height <= 0 || size <= 0) throw new RangeError('letterbox: sizes must be positive');
  const scale = Math.min(size / width, size / height);
  // At least one pixel, never more than the canvas: rounding must not spill over the edge.
  const innerWidth = Math.min(size, Math.max(1, Math.round(width * scale)));
  const innerHeight = Math.min(size, Math.max(1, Math.round(height * scale)));
  const up = (v: number): number => Math.ceil(v / DETECTOR_STRIDE) * DETECTOR_STRIDE;
  return {
    size,
    canvasWidth: tight ? up(innerWidth) : size,
    canvasHeight: tight ? up(innerHeight) : size,
    innerWidth,
    innerHeight,
    scaleX: innerWidth / width,
    scaleY: innerHeight / height,
  };
}

/** byte -> [0,1] float: a table lookup is cheaper than a multiply-and-convert per channel. */
const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Pack already-resized interleaved pixels (`innerWidth` x `innerHeight`, `channels` 3 = RGB or 1 = grey)
 * into a planar float32 CHW tensor [3, canvasHeight, canvasWidth] in [0,1], padded with LETTERBOX_PAD.
 * `out` may be a reused buffer with any contents: every element is written.
 */
export function packLetterboxTensor(
  pixels: Uint8Array,
  lb: Letterbox,
  channels: 1 | 3 = 3,
  pad = LETTERBOX_PAD,
  out: Float32Array = new Float32Array(3 * lb.canvasWidth * lb.canvasHeight),
): Float32Array {
  const { canvasWidth: cw, canvasHeight: ch, innerWidth: w, innerHeight: h } = lb;
  if (pixels.length < w * h * channels) throw new RangeError('letterbox: pixel buffer too small');
  const plane = cw * ch;
  if (out.length !== 3 * plane) throw new RangeError('letterbox: output buffer of the wrong size');
  // Only the padding needs the fill: the image area is written below.
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    if (w < cw) for (let y = 0; y < h; y++) out.fill(pad, base + y * cw + w, base + (y + 1) * cw);
    out.fill(pad, base + h * cw, base + plane);
  }
  const g = plane;
  const b = 2 * plane;
  for (let y = 0; y < h; y++) {
    let src = y * w * channels;
    const row = y * cw;
    if (channels === 3) {
      for (let o = row; o < row + w; o++, src += 3) {
        out[o] = UNIT[pixels[src] as number] as number;
        out[g + o] = UNIT[pixels[src + 1] as number] as number;
        out[b + o] = UNIT[pixels[src + 2] as number] as number;
      }
    } else {
      for (let o = row; o < row + w; o++, src++) {
        const v = UNIT[pixels[src] as number] as number;
        out[o] = v;
        out[g + o] = v;
        out[b + o] = v;
      }
    }
  }
  return out;
}
