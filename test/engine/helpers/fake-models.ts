/** Writes fake detector/reader models and a manifest into a temporary models directory. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constantModel } from './onnx-writer.js';

/**
 * Detector rows in letterbox pixels: a plate, a weaker duplicate of it (NMS), one under threshold, and a
 * confident one inside the grey padding below any 16:9 or 4:3 image (must be dropped, not clamped to a line).
 */
export const FAKE_DETECTIONS = [
  [100, 200, 180, 230, 0.9],
  [102, 201, 181, 231, 0.6],
  [400, 100, 450, 120, 0.05],
  [300, 560, 350, 580, 0.8],
];
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Frames spelling `text`, blank between characters; `doubt` puts mass on an alternative at one frame. */
export function logitsFor(text: string, doubt?: { at: number; alt: string; p: number }): Float32Array {
  const frames: Array<Map<number, number>> = [];
  for (const [i, ch] of [...text].entries()) {
    const c = ALPHABET.indexOf(ch) + 1;
    const f = new Map([[c, 0.97]]);
    if (doubt && doubt.at === i) f.set(c, 0.97 - doubt.p).set(ALPHABET.indexOf(doubt.alt) + 1, doubt.p);
    frames.push(f, new Map([[0, 0.97]]));
  }
  const out = new Float32Array(frames.length * 37);
  frames.forEach((f, t) => {
    const rest = (1 - [...f.values()].reduce((s, v) => s + v, 0)) / (37 - f.size);
    for (let c = 0; c < 37; c++) out[t * 37 + c] = Math.log(f.get(c) ?? rest);
  });
  return out;
}

export function writeFakeModels(readerText = '7abc123', doubt?: { at: number; alt: string; p: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'platewise-models-'));
  const det = constantModel('images', [1, 3, 'h', 'w'], 'detections', Float32Array.from(FAKE_DETECTIONS.flat()), [1, FAKE_DETECTIONS.length, 5]);
  const logits = logitsFor(readerText, doubt);
  const reader = constantModel('images', ['b', 1, 64, 192], 'logits', logits, [1, logits.length / 37, 37]);
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  writeFileSync(join(dir, 'det.onnx'), det);
  writeFileSync(join(dir, 'read.onnx'), reader);
  const manifest = {
    'plate-detector': { file: 'det.onnx', sha256: sha(det), input: { default_size: 640, fast_size: 416 }, recommended_threshold: 0.3 },
    'plate-reader': { file: 'read.onnx', sha256: sha(reader), crop_margin: 0.1 },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
