/**
 * Post-processing of the detector's raw output: score filter, top-k, then greedy non-maximum suppression.
 * The detector emits [N,5] rows (x1,y1,x2,y2,score) before NMS, in tensor pixels.
 */
import { iou } from './box-map.js';
import type { Box } from './types.js';

export interface Detection {
  box: Box;
  score: number;
}

export interface NmsOptions {
  /** Drop rows scoring below this. */
  scoreThreshold: number;
  /** Suppress a box overlapping a kept, higher-scoring box at least this much. */
  iouThreshold: number;
  /** Rows considered after the score filter (bounds the O(k^2) suppression). */
  preNmsTopK: number;
  /** Boxes kept at most. */
  maxDetections: number;
}

export const DEFAULT_NMS: NmsOptions = { scoreThreshold: 0.25, iouThreshold: 0.45, preNmsTopK: 300, maxDetections: 30 };

/** Parse rows of `stride` floats (first 5 used), dropping low scores and degenerate boxes. */
export function parseDetections(raw: Float32Array, scoreThreshold: number, stride = 5): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i + stride <= raw.length; i += stride) {
    const score = raw[i + 4] ?? 0;
    // NaN fails this comparison too, so a broken model output cannot leak through.
    if (!(score >= scoreThreshold)) continue;
    const x1 = raw[i] ?? 0;
    const y1 = raw[i + 1] ?? 0;
    const x2 = raw[i + 2] ?? 0;
    const y2 = raw[i + 3] ?? 0;
    if (!(x2 > x1 && y2 > y1)) continue;
    out.push({ box: { xmin: x1, ymin: y1, xmax: x2, ymax: y2 }, score: Math.min(1, score) });
  }
  return out;
}

/** Greedy NMS; returns kept detections sorted by descending score. */
export function nonMaxSuppression(dets: readonly Detection[], iouThreshold: number, maxDetections: number, topK = Infinity): Detection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score).slice(0, topK);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => iou(k.box, d.box) < iouThreshold)) kept.push(d);
  }
  return kept;
}
