import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { LoadedModels } from '../../src/engine/onnx-session.js';
import { readPlates, TENTATIVE_READ } from '../../src/engine/read.js';
import { FUSED_SCORE_POWER, READ_VIEWS } from '../../src/engine/views.js';

const FRAMES = 16;
const CLASSES = 37;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * FRAMES log-probability frames spelling `text` (each character then a blank, then blanks), each frame 0.999
 * sure of its class; `doubt` moves mass to another character at one position.
 */
function frames(text: string, doubt?: { at: number; alt: string; p: number }): Float32Array {
  const out = new Float32Array(FRAMES * CLASSES);
  for (let t = 0; t < FRAMES; t++) {
    const i = t / 2;
    const probs = new Map<number, number>();
    if (t % 2 === 0 && i < text.length) {
      const c = ALPHABET.indexOf(text[i] as string) + 1;
      if (doubt?.at === i) probs.set(c, 0.999 - doubt.p).set(ALPHABET.indexOf(doubt.alt) + 1, doubt.p);
      else probs.set(c, 0.999);
    } else probs.set(0, 0.999);
    const rest = (1 - [...probs.values()].reduce((s, v) => s + v, 0)) / (CLASSES - probs.size);
    for (let c = 0; c < CLASSES; c++) out[t * CLASSES + c] = Math.log(probs.get(c) ?? rest);
  }
  return out;
}

/** A reader session that answers each run from a script, and records the batch sizes it was given. */
function scriptedReader(script: Float32Array[][]): { session: ort.InferenceSession; batches: number[] } {
  const batches: number[] = [];
  const session = {
    run: async (feeds: Record<string, ort.Tensor>) => {
      const n = feeds.images?.dims[0] ?? 0;
      batches.push(n);
      const answers = script[batches.length - 1] ?? [];
      const data = new Float32Array(n * FRAMES * CLASSES);
      for (let i = 0; i < n; i++) data.set(answers[i] ?? frames(''), i * FRAMES * CLASSES);
      return { logits: { type: 'float32', data, dims: [n, FRAMES, CLASSES] } };
    },
  } as unknown as ort.InferenceSession;
  return { session, batches };
}

function modelsWith(reader: ort.InferenceSession): LoadedModels {
  return {
    // text_span below the scripted reads' span, so no read looks loosely boxed (refine.ts) and asks for a re-crop.
    manifest: { 'plate-reader': { file: 'r.onnx', sha256: '0'.repeat(64), crop_margin: 0.06, text_span: 6 } },
    reader,
  } as unknown as LoadedModels;
}

const image = { data: new Uint8Array(400 * 200 * 3).fill(128), width: 400, height: 200, channels: 3 };
const boxes = [
  { xmin: 20, ymin: 20, xmax: 180, ymax: 70 },
  { xmin: 200, ymin: 100, xmax: 360, ymax: 150 },
];

describe('readPlates views', () => {
  it('reads the other views only for the unsure plate and averages them with the first read', async () => {
    const unsure = frames('tnp222', { at: 0, alt: 'i', p: 0.45 });
    const { session, batches } = scriptedReader([
      [frames('7abc123'), unsure],
      [frames('inp222'), frames('inp222')],
    ]);
    const read = await readPlates(modelsWith(session), boxes, image, { scaleX: 1, scaleY: 1 }, 24, false);
    // Detector boxes first, then the two other views of the unsure plate only.
    expect(batches).toEqual([2, READ_VIEWS.length - 1]);
    expect(read.candidates[0]?.[0]?.plate).toBe('7abc123');
    expect(read.candidates[0]?.[0]?.score).toBeGreaterThan(0.9);
    // The first view leaned to 'tnp222' (~0.54 against 0.45); the other two views settle it.
    expect(read.candidates[1]?.[0]?.plate).toBe('inp222');
    const first = read.candidates[1]?.find((c) => c.plate === 'tnp222')?.score ?? 0;
    // Proposed by one view of three: its mean is a third of that view's ~0.54, then calibrated.
    expect(first).toBeLessThan((0.56 / 3) ** FUSED_SCORE_POWER);
  });

  it('reads one view per plate when every read is sure', async () => {
    const { session, batches } = scriptedReader([[frames('7abc123'), frames('abc1234')]]);
    const read = await readPlates(modelsWith(session), boxes, image, { scaleX: 1, scaleY: 1 }, 24, false);
    expect(batches).toEqual([2]);
    expect(read.candidates.map((c) => c[0]?.plate)).toEqual(['7abc123', 'abc1234']);
  });

  it('drops a tentative box whose first read is no plate, without views, and reads a good one in full', async () => {
    const junk = frames('', undefined);
    const doubtful = frames('tnp222', { at: 0, alt: 'i', p: 0.45 });
    const { session, batches } = scriptedReader([
      [junk, doubtful],
      [frames('inp222'), frames('inp222')],
    ]);
    const read = await readPlates(modelsWith(session), boxes, image, { scaleX: 1, scaleY: 1 }, 24, false, [true, true]);
    // The empty read of box 0 is under the bar: no views for it. Box 1 (~0.54 > the bar) gets its views.
    expect(TENTATIVE_READ).toBeLessThan(0.5);
    expect(batches).toEqual([2, READ_VIEWS.length - 1]);
    expect(read.candidates[0]).toEqual([]);
    expect(read.candidates[1]?.[0]?.plate).toBe('inp222');
  });

  it('reads a confident box in full however poorly it reads first', async () => {
    const weak = frames('tnp222', { at: 0, alt: 'i', p: 0.45 }).map((v) => v);
    // One flat frame: its best path is ~0.03, under the tentative bar; still read from the other views as a confident box.
    for (let c = 0; c < CLASSES; c++) weak[2 * CLASSES + c] = Math.log(1 / CLASSES);
    const { session, batches } = scriptedReader([[weak, frames('abc1234')], [frames('tnp222'), frames('tnp222')]]);
    const read = await readPlates(modelsWith(session), boxes, image, { scaleX: 1, scaleY: 1 }, 24, false, [false, true]);
    expect(batches).toEqual([2, READ_VIEWS.length - 1]);
    expect(read.candidates[0]?.[0]?.plate).toBe('tnp222');
    expect(read.candidates[1]?.[0]?.plate).toBe('abc1234');
    // The same read of a tentative box is dropped.
    const again = scriptedReader([[weak, frames('abc1234')]]);
    const tentative = await readPlates(modelsWith(again.session), boxes, image, { scaleX: 1, scaleY: 1 }, 24, false, [true, true]);
    expect(again.batches).toEqual([2]);
    expect(tentative.candidates[0]).toEqual([]);
  });
});
