import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { detectWithCloseUp } from '../../src/engine/detect.js';
import { modeSettings } from '../../src/engine/mode.js';
import { DEFAULT_NMS } from '../../src/engine/nms.js';

/**
 * A detector session that sees a plate only at the letterbox sizes in `finds` (box in letterbox pixels: the left
 * half of the canvas, a third of its height), and records the canvas widths it was run at.
 */
function scriptedDetector(finds: number[]): { session: ort.InferenceSession; runs: number[] } {
  const runs: number[] = [];
  const session = {
    run: async (feeds: Record<string, ort.Tensor>) => {
      const [, h = 0, w = 0] = feeds.pixels?.dims ?? [];
      runs.push(w);
      const data = Float32Array.from(finds.includes(w) ? [0, h / 3, w / 2, (2 * h) / 3, 0.9] : [0, 0, 10, 10, 0.01]);
      return { detections: { type: 'float32', data, dims: [1, 1, 5] } };
    },
  } as unknown as ort.InferenceSession;
  return { session, runs };
}

function image(width: number, height: number) {
  const raw = { data: new Uint8Array(width * height * 3).fill(100), width, height, channels: 3 };
  return { raw, toRaw: { scaleX: 1, scaleY: 1 }, width, height, resized: new Map() };
}

describe('detectWithCloseUp', () => {
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
