/** The re-crop around the characters of a loosely boxed plate (src/engine/refine.ts). */
import { describe, expect, it } from 'vitest';
import { applyZoom, textColumns, WELL_BOXED_SPAN, zoomToText } from '../../src/engine/refine.js';

const CLASSES = 37;

/** Log-probabilities for `lanes` x `columns` frames, blank everywhere except the given (frame, class) pairs. */
function frames(columns: number, lanes: number, ink: Array<[frame: number, cls: number]>): Float32Array {
  const out = new Float32Array(columns * lanes * CLASSES).fill(Math.log(0.01 / (CLASSES - 1)));
  for (let t = 0; t < columns * lanes; t++) out[t * CLASSES] = Math.log(0.99);
  for (const [t, c] of ink) {
    out[t * CLASSES] = Math.log(0.01);
    out[t * CLASSES + c] = Math.log(0.99);
  }
  return out;
}

describe('textColumns', () => {
  it('finds the first and last column that emits a character', () => {
    expect(textColumns(frames(24, 2, [[8, 5], [10, 6], [14, 7]]), CLASSES, 2)).toEqual({ first: 8, last: 14, columns: 24 });
  });

  it('folds the bottom lane of a two-row plate onto the same columns', () => {
    // Top row at columns 6..12, bottom row at frames 24+4 .. 24+18.
    const lp = frames(24, 2, [[6, 1], [12, 2], [28, 3], [42, 4]]);
    expect(textColumns(lp, CLASSES, 2)).toEqual({ first: 4, last: 18, columns: 24 });
  });

  it('is null when nothing but blank is emitted', () => {
    expect(textColumns(frames(24, 2, []), CLASSES, 2)).toBeNull();
  });
});

describe('zoomToText', () => {
  it('leaves a well-boxed plate alone', () => {
    expect(zoomToText({ first: 4, last: 4 + WELL_BOXED_SPAN, columns: 24 }, 0.06)).toBeNull();
    // A little loose (x1.3) is within what the reader was trained on.
    expect(zoomToText({ first: 6, last: 6 + Math.round(WELL_BOXED_SPAN / 1.3), columns: 24 }, 0.06)).toBeNull();
  });

  it('zooms on characters that fill half the usual span, centred on them', () => {
    const z = zoomToText({ first: 10, last: 18, columns: 24 }, 0.06);
    expect(z).not.toBeNull();
    expect(z?.scaleX).toBeCloseTo(0.5, 6);
    expect(z?.scaleY).toBeCloseTo(Math.SQRT1_2, 6);
    // Centre of columns 10..18 is 14.5/24 of the crop; the crop is the box plus 6 % each side.
    expect(z?.shiftX).toBeCloseTo((14.5 / 24 - 0.5) * 1.12, 6);
  });

  it('does not locate a plate by one or two characters', () => {
    expect(zoomToText({ first: 11, last: 12, columns: 24 }, 0.06)).toBeNull();
  });
});

describe('applyZoom', () => {
  it('scales the box about its shifted centre', () => {
    const box = { xmin: 100, ymin: 50, xmax: 300, ymax: 110 };
    expect(applyZoom(box, { shiftX: 0.1, scaleX: 0.5, scaleY: 0.5 })).toEqual({ xmin: 170, ymin: 65, xmax: 270, ymax: 95 });
  });
});
