/**
 * Coordinate mapping between the detector's letterboxed tensor and the uploaded image. The chain is
 * original (after EXIF rotation) -> decoded (smaller when fast mode shrinks on load) -> tensor; every step is a
 * per-axis scale with the origin at the top-left, so the composite is also a per-axis scale.
 */
import type { Box } from './types.js';

export interface AxisScale {
  /** Target pixels per source pixel. */
  scaleX: number;
  scaleY: number;
}

/** Compose two scales (a: A->B, b: B->C gives A->C). */
export function composeScale(a: AxisScale, b: AxisScale): AxisScale {
  return { scaleX: a.scaleX * b.scaleX, scaleY: a.scaleY * b.scaleY };
}

/** Map a box from source to target coordinates (floats, no clamping). */
export function scaleBox(box: Box, s: AxisScale): Box {
  return { xmin: box.xmin * s.scaleX, ymin: box.ymin * s.scaleY, xmax: box.xmax * s.scaleX, ymax: box.ymax * s.scaleY };
}

/** Inverse mapping: from target back to source coordinates. */
export function unscaleBox(box: Box, s: AxisScale): Box {
  return { xmin: box.xmin / s.scaleX, ymin: box.ymin / s.scaleY, xmax: box.xmax / s.scaleX, ymax: box.ymax / s.scaleY };
}

/** Clamp to the image and order the corners; a degenerate box stays degenerate rather than flipping. */
export function clampBox(box: Box, width: number, height: number): Box {
  const cx = (v: number): number => Math.min(Math.max(v, 0), width);
  const cy = (v: number): number => Math.min(Math.max(v, 0), height);
  return {
    xmin: cx(Math.min(box.xmin, box.xmax)),
    ymin: cy(Math.min(box.ymin, box.ymax)),
    xmax: cx(Math.max(box.xmin, box.xmax)),
    ymax: cy(Math.max(box.ymin, box.ymax)),
  };
}

/** Integer pixel box for the wire (the vendor returns integers): round outward is not needed, round nearest. */
export function roundBox(box: Box): Box {
  return { xmin: Math.round(box.xmin), ymin: Math.round(box.ymin), xmax: Math.round(box.xmax), ymax: Math.round(box.ymax) };
}

export function boxArea(b: Box): number {
  return Math.max(0, b.xmax - b.xmin) * Math.max(0, b.ymax - b.ymin);
}

export function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const ih = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}
