/** Writes fake detector/reader models and a manifest into a temporary models directory. */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constantModel, constantOutputsModel } from './onnx-writer.js';

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
/**
 * Vehicle detector rows in its (320) letterbox pixels: a confident vehicle around the first plate of a 640x360
 * upload (scale 0.5: plate 50,100..90,115), a weak one (kept only when it carries a plate) and a confident one
 * with no plate.
 */
export const FAKE_VEHICLES = [
  [20, 40, 120, 130, 0.8],
  [200, 20, 300, 60, 0.3],
  [150, 100, 250, 170, 0.7],
];
/** Attribute classifier: Sedan at 0.7 (above the manifest's 0.5), Rear at 0.8. */
const FAKE_TYPES = ['Big Truck', 'Bus', 'Motorcycle', 'Pickup Truck', 'Sedan', 'Van'];
const FAKE_TYPE_PROBS = [0.05, 0.05, 0.05, 0.1, 0.7, 0.05];
const FAKE_ORIENTATION_PROBS = [0.15, 0.8, 0.05];

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** The digest the manifest records for a model file. */
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A detector stand-in: raw pixels `pixels` uint8 [1,H,W,3] in, the constant `detections` rows out. */
export function constantDetector(rows: number[][]): Uint8Array {
  return constantModel('pixels', [1, 'h', 'w', 3], 'detections', Float32Array.from(rows.flat()), [1, rows.length, 5], true);
}

/**
 * Frames spelling `text`, blank between characters; `doubt` puts mass on an alternative at one frame; `ink` is
 * each character's probability in its frame (the rest is spread over the other classes).
 */
export function logitsFor(text: string, doubt?: { at: number; alt: string; p: number }, ink = 0.97): Float32Array {
  const frames: Array<Map<number, number>> = [];
  for (const [i, ch] of [...text].entries()) {
    const c = ALPHABET.indexOf(ch) + 1;
    const f = new Map([[c, ink]]);
    if (doubt && doubt.at === i) f.set(c, ink - doubt.p).set(ALPHABET.indexOf(doubt.alt) + 1, doubt.p);
    frames.push(f, new Map([[0, 0.97]]));
  }
  const out = new Float32Array(frames.length * 37);
  frames.forEach((f, t) => {
    const rest = (1 - [...f.values()].reduce((s, v) => s + v, 0)) / (37 - f.size);
    for (let c = 0; c < 37; c++) out[t * 37 + c] = Math.log(f.get(c) ?? rest);
  });
  return out;
}

/** Style names of the fake plate-style model, in its output order (the shipped model's). */
export const FAKE_STYLES = ['na', 'br', 'eu'];

/** `styles`: the probabilities over FAKE_STYLES a plate-style model answers for every crop; none: no such model. */
export function writeFakeModels(
  readerText = '7abc123',
  doubt?: { at: number; alt: string; p: number },
  vehicles: number[][] = FAKE_VEHICLES,
  ink = 0.97,
  styles?: number[],
  detections: number[][] = FAKE_DETECTIONS,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'platewise-models-'));
  const det = constantDetector(detections);
  const logits = logitsFor(readerText, doubt, ink);
  const reader = constantModel('images', ['b', 1, 64, 192], 'logits', logits, [1, logits.length / 37, 37]);
  const vdet = constantDetector(vehicles);
  const attrs = constantOutputsModel('images', ['b', 3, 64, 64], [
    { name: 'type', constant: Float32Array.from(FAKE_TYPE_PROBS), dims: [1, FAKE_TYPE_PROBS.length] },
    { name: 'orientation', constant: Float32Array.from(FAKE_ORIENTATION_PROBS), dims: [1, FAKE_ORIENTATION_PROBS.length] },
  ]);
  writeFileSync(join(dir, 'det.onnx'), det);
  writeFileSync(join(dir, 'read.onnx'), reader);
  writeFileSync(join(dir, 'vdet.onnx'), vdet);
  writeFileSync(join(dir, 'attrs.onnx'), attrs);
  const manifest = {
    // Identity calibrations (a=1, b=0): dscore and vehicle.score equal the raw scores.
    'plate-detector': {
      file: 'det.onnx',
      sha256: sha(det),
      input: { default_size: 640, fast_size: 416 },
      recommended_threshold: 0.3,
      calibration: { a: 1, b: 0 },
    },
    'plate-reader': { file: 'read.onnx', sha256: sha(reader), crop_margin: 0.1 },
    'vehicle-detector': { file: 'vdet.onnx', sha256: sha(vdet), input: { default_size: 320 }, recommended_threshold: 0.5, calibration: { a: 1, b: 0 } },
    'vehicle-attributes': {
      file: 'attrs.onnx',
      sha256: sha(attrs),
      input: { height: 64, width: 64 },
      output: { type: FAKE_TYPES, orientation: ['Front', 'Rear', 'Unknown'] },
      type_min_score: 0.5,
    },
  };
  if (styles) {
    const style = constantModel('images', ['b', 3, 32, 96], 'styles', Float32Array.from(styles), [1, styles.length]);
    writeFileSync(join(dir, 'style.onnx'), style);
    Object.assign(manifest, {
      'plate-style': { file: 'style.onnx', sha256: sha(style), input: { height: 32, width: 96 }, output: { styles: FAKE_STYLES }, crop_margin: 0.06 },
    });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * The trained models (`modelsDir`) with the plate detector swapped for one that always answers `rows`
 * (letterbox pixels, [xmin, ymin, xmax, ymax, score]): puts a chosen box in front of the real reader.
 */
export function trainedModelsWithDetector(modelsDir: string, rows: number[][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'platewise-models-'));
  const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as Record<string, { file: string; sha256: string }>;
  for (const entry of Object.values(manifest)) copyFileSync(join(modelsDir, entry.file), join(dir, entry.file));
  const det = constantDetector(rows);
  writeFileSync(join(dir, 'fake-detector.onnx'), det);
  const detector = manifest['plate-detector'];
  if (!detector) throw new Error('no plate-detector in the manifest');
  detector.file = 'fake-detector.onnx';
  detector.sha256 = sha(det);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
