/**
 * Letterboxing for the plate detector: keep the aspect ratio, place the resized image at the top-left of a
 * square canvas and fill the rest with grey. Placing it top-left (no centring offset) keeps the mapping back to
 * image coordinates a pure per-axis scale; the detector was trained the same way.
 */

/** Grey fill of the padding, as a byte (the detectors were trained with 0.5 grey; 128/255 is the nearest byte). */
export const LETTERBOX_PAD = 128;

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

/**
 * Lay already-resized interleaved RGB pixels (`innerWidth` x `innerHeight`) top-left into the letterbox canvas
 * [canvasHeight, canvasWidth, 3], the detectors' raw-pixel input (their graphs convert to float themselves),
 * and fill the rest with LETTERBOX_PAD. `out` may be a reused buffer with any contents: every byte is written.
 */
export function packLetterboxPixels(
  pixels: Uint8Array,
  lb: Letterbox,
  out: Uint8Array = new Uint8Array(3 * lb.canvasWidth * lb.canvasHeight),
): Uint8Array {
  const { canvasWidth: cw, canvasHeight: ch, innerWidth: w, innerHeight: h } = lb;
  const row = 3 * w;
  const canvasRow = 3 * cw;
  if (pixels.length < row * h) throw new RangeError('letterbox: pixel buffer too small');
  if (out.length !== canvasRow * ch) throw new RangeError('letterbox: output buffer of the wrong size');
  if (w === cw) out.set(pixels.subarray(0, row * h));
  else {
    for (let y = 0; y < h; y++) {
      out.set(pixels.subarray(y * row, (y + 1) * row), y * canvasRow);
      out.fill(LETTERBOX_PAD, y * canvasRow + row, (y + 1) * canvasRow);
    }
  }
  out.fill(LETTERBOX_PAD, h * canvasRow);
  return out;
}
