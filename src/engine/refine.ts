/**
 * Second look at a plate whose detector box is too loose. The plate detector sometimes boxes the plate's
 * recess or frame, so the plate fills only the middle of the crop and the reader sees small characters it was
 * not trained on. The reader's own output says where the characters are: each CTC frame covers one column
 * of the crop, and characters fire at their centres. When the characters span far fewer columns than on a
 * well-boxed plate, we re-crop around them at the usual scale and read again; the caller keeps whichever
 * read is more confident.
 */
import { frameArgmax } from './ctc.js';
import type { Box } from './types.js';

/**
 * Columns between the first and last character on well-boxed plates when the manifest does not say: the
 * reader's median over its real training crops (scripts/measure-text-span.ts measures it per model).
 */
export const WELL_BOXED_SPAN = 16;
/** Re-crop only when the characters would grow by at least this factor: smaller changes are jitter. */
const MIN_ZOOM = 1.4;
/** Fewer columns than this is one or two characters, too little to locate a plate by. */
const MIN_SPAN = 3;

export interface TextColumns {
  first: number;
  last: number;
  /** Columns across the crop (frames per lane). */
  columns: number;
}

/**
 * First and last column where the best path emits a character, over all lanes (the reader reads a two-row
 * plate as a top lane then a bottom lane, each `columns` frames long). Null when nothing is emitted.
 */
export function textColumns(logProbs: Float32Array, classes: number, lanes: number): TextColumns | null {
  const steps = Math.floor(logProbs.length / classes);
  const columns = Math.floor(steps / lanes);
  let first = Number.POSITIVE_INFINITY;
  let last = -1;
  for (let s = 0; s < columns * lanes; s++) {
    if (frameArgmax(logProbs, s * classes, classes) === 0) continue;
    const col = s % columns;
    first = Math.min(first, col);
    last = Math.max(last, col);
  }
  return last < 0 ? null : { first, last, columns };
}

/** Where to look again, relative to the box: centre shift as a fraction of its width, and size factors. */
export interface Zoom {
  shiftX: number;
  scaleX: number;
  scaleY: number;
}

/**
 * The zoom that would bring the characters to their usual span (`wellBoxed` columns), or null when the box
 * already fits. `margin` is the crop margin the reader was given (the crop is the box widened by it per side).
 */
export function zoomToText(text: TextColumns, margin: number, wellBoxed = WELL_BOXED_SPAN): Zoom | null {
  const span = text.last - text.first;
  if (span < MIN_SPAN) return null;
  const scaleX = span / wellBoxed;
  if (1 / scaleX < MIN_ZOOM) return null;
  const centre = (text.first + text.last + 1) / 2 / text.columns;
  // The height is less wrong than the width (recesses and frames are wider than plates, not much taller), and
  // the reader gives no vertical position, so the height shrinks less and stays centred.
  return { shiftX: (centre - 0.5) * (1 + 2 * margin), scaleX, scaleY: Math.sqrt(scaleX) };
}

export function applyZoom(box: Box, z: Zoom): Box {
  const w = box.xmax - box.xmin;
  const h = box.ymax - box.ymin;
  const cx = (box.xmin + box.xmax) / 2 + z.shiftX * w;
  const cy = (box.ymin + box.ymax) / 2;
  return { xmin: cx - (w * z.scaleX) / 2, ymin: cy - (h * z.scaleY) / 2, xmax: cx + (w * z.scaleX) / 2, ymax: cy + (h * z.scaleY) / 2 };
}
