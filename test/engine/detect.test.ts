import { describe, expect, it } from 'vitest';
import { halveRgb, type ResizeCache } from '../../src/engine/decode.js';
import { capTentative, detectWithCloseUp, MAX_TENTATIVE } from '../../src/engine/detect.js';
import { modeSettings } from '../../src/engine/mode.js';
import { DEFAULT_NMS } from '../../src/engine/nms.js';
import { scriptedDetector as scripted } from './helpers/scripted-detector.js';

/**
 * A detector that sees a plate only at the letterbox sizes in `finds` (box in letterbox pixels: the left half of
 * the canvas, a third of its height).
 */
function scriptedDetector(finds: number[], score = 0.9) {
  return scripted((w, h) => (finds.includes(w) ? [0, h / 3, w / 2, (2 * h) / 3, score] : [0, 0, 10, 10, 0.01]));
}

function image(width: number, height: number) {
  const raw = { data: new Uint8Array(width * height * 3).fill(100), width, height, channels: 3 };
  return { raw, toRaw: { scaleX: 1, scaleY: 1 }, width, height, resized: new Map() };
}

/** An image whose pixels vary at every position, so a resample and a 2x2 average of another one differ. */
function noisyImage(width: number, height: number) {
  const img = image(width, height);
  for (let i = 0; i < img.raw.data.length; i++) img.raw.data[i] = (i * 7919 + (i >> 7) * 31) & 255;
  return img;
}

describe('detectWithCloseUp', () => {
  it('derives the native pass from the larger one when that is twice its size, and resamples otherwise', async () => {
    // A boolean, not toEqual: a failing diff of two 0.9 MB arrays would take vitest minutes to print.
    const isHalved = (resized: ResizeCache, largest: number) => {
      const big = resized.get(largest);
      const small = resized.get(640);
      if (!big || !small) throw new Error('a pass is missing');
      return Buffer.from(small.pixels).equals(Buffer.from(halveRgb(big.pixels, big.letterbox.innerWidth, big.letterbox.innerHeight)));
    };
    for (const [width, height] of [[2560, 1920], [1920, 1080], [1280, 720]] as const) {
      const img = noisyImage(width, height);
      const runs = scriptedDetector([]);
      await detectWithCloseUp(runs.session, img, [640, 1280], undefined, DEFAULT_NMS, true);
      expect(runs.runs).toEqual([640, 1280]);
      expect(isHalved(img.resized, 1280)).toBe(true);
    }
    // 800x600: the larger pass is capped at the image's 800, so the 640 pass is resampled from the image.
    const small = noisyImage(800, 600);
    await detectWithCloseUp(scriptedDetector([]).session, small, [640, 800], undefined, DEFAULT_NMS, true);
    expect(isHalved(small.resized, 800)).toBe(false);
  });

  it('runs the close-up pass only when the passes find nothing, and maps its box to the image', async () => {
    const { session, runs } = scriptedDetector([320]);
    const r = await detectWithCloseUp(session, image(1280, 640), [640, 1280], 320, DEFAULT_NMS, true);
    expect(runs).toEqual([640, 1280, 320]);
    expect(r.detections).toHaveLength(1);
    expect(r.detections[0]?.imageBox).toEqual({ xmin: 0, ymin: 213, xmax: 640, ymax: 427 });
  });

  it('does not search again when a pass found a plate', async () => {
    const { session, runs } = scriptedDetector([640, 320]);
    const r = await detectWithCloseUp(session, image(1280, 640), [640, 1280], 320, DEFAULT_NMS, true);
    expect(runs).toEqual([640, 1280]);
    expect(r.detections).toHaveLength(1);
  });

  it('still searches when the passes found only tentative boxes, and keeps those when the close-up finds none', async () => {
    const nms = { ...DEFAULT_NMS, scoreThreshold: 0.3 };
    const weak = scriptedDetector([640], 0.4);
    const kept = await detectWithCloseUp(weak.session, image(1280, 640), [640, 1280], 320, nms, true, 0.6);
    expect(weak.runs).toEqual([640, 1280, 320]);
    expect(kept.detections.map((d) => d.score)).toEqual([expect.closeTo(0.4, 6)]);
    // A confident plate from the close-up pass replaces them, as it replaces an empty result.
    const { session } = scriptedDetector([640, 320], 0.4);
    const both = await detectWithCloseUp(session, image(1280, 640), [640], 320, nms, true, 0.35);
    expect(both.detections).toHaveLength(1);
  });

  it('skips it without a close-up size (fast mode) and for images no larger than it', async () => {
    const a = scriptedDetector([320]);
    expect((await detectWithCloseUp(a.session, image(1280, 640), [416], undefined, DEFAULT_NMS, true)).detections).toEqual([]);
    expect(a.runs).toEqual([416]);
    const b = scriptedDetector([320]);
    expect((await detectWithCloseUp(b.session, image(320, 200), [640], 320, DEFAULT_NMS, true)).detections).toEqual([]);
    expect(b.runs).toEqual([640]);
  });

  it('is half the native size in regular and redaction modes, and absent in fast mode (one pass)', () => {
    const sizes = { default_size: 640, fast_size: 416 };
    expect(modeSettings('regular', sizes, 0.5, undefined).closeUpSize).toBe(320);
    expect(modeSettings('redaction', sizes, 0.5, undefined).closeUpSize).toBe(320);
    expect(modeSettings('fast', sizes, 0.5, undefined).closeUpSize).toBeUndefined();
  });
});

describe('capTentative', () => {
  it('keeps every confident detection and only the best tentative ones, in their order', () => {
    const dets = [0.9, 0.2, 0.5, 0.3, 0.25, 0.8, 0.45].map((score, i) => ({ score, i }));
    expect(capTentative(dets, 0.6, 2).map((d) => d.i)).toEqual([0, 2, 5, 6]);
    expect(capTentative(dets, 0.6, 0).map((d) => d.i)).toEqual([0, 5]);
    expect(capTentative(dets, 0.1, 1)).toEqual(dets);
  });

  it('keeps the best tentative ones wherever they stand in the list', () => {
    const dets = [0.4, 0.4, 0.5].map((score, i) => ({ score, i }));
    expect(capTentative(dets, 0.6, 2).map((d) => d.i)).toEqual([0, 2]);
  });

  it('keeps no more than the cap when tentative scores tie', () => {
    const dets = Array.from({ length: MAX_TENTATIVE + 3 }, (_, i) => ({ score: 0.4, i }));
    expect(capTentative(dets, 0.6)).toHaveLength(MAX_TENTATIVE);
  });
});

describe('modeSettings thresholds', () => {
  const sizes = { default_size: 640, fast_size: 640 };
  it('reads boxes under the recommended threshold tentatively by default, in regular and fast modes', () => {
    for (const mode of ['regular', 'fast'] as const) {
      const m = modeSettings(mode, sizes, 0.6, undefined);
      expect(m.confidentScore).toBe(0.6);
      expect(m.nms.scoreThreshold).toBeLessThan(0.6);
      expect(m.nms.scoreThreshold).toBeGreaterThan(0);
    }
  });

  it("takes a caller's threshold_d for both, so every box over it is read in full", () => {
    for (const mode of ['regular', 'fast'] as const) {
      const m = modeSettings(mode, sizes, 0.6, 0.2);
      expect([m.nms.scoreThreshold, m.confidentScore]).toEqual([0.2, 0.2]);
    }
    expect(modeSettings('redaction', sizes, 0.6, undefined).confidentScore).toBe(0);
  });
});
