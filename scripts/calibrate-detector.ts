/**
 * Fits the plate detector's dscore calibration on its validation split (held out from training) and writes it
 * to models/manifest.json ("plate-detector".calibration). The boxes come from the engine itself, regular mode,
 * so the fit sees exactly the scores the API returns.
 *
 *   /usr/bin/python3 models/train/detector/export_val.py /tmp/detval
 *   npx tsx scripts/calibrate-detector.ts /tmp/detval [--models DIR] [--write]
 *
 * A detection is right when it matches an unmatched labelled plate at IoU >= 0.5 (greedy by score). Platt
 * scaling on logit(raw score), fitted by Newton's method. Prints reliability before and after.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iou } from '../src/engine/box-map.js';
import { type Calibration, calibrateScore, logit } from '../src/engine/calibration.js';
import { DEFAULT_MAX_PIXELS, decodeImage } from '../src/engine/decode.js';
import { detectWithCloseUp, passSizes } from '../src/engine/detect.js';
import { modeSettings } from '../src/engine/mode.js';
import { loadModels, releaseModels } from '../src/engine/onnx-session.js';
import type { Box } from '../src/engine/types.js';
import { modelsDirArg, setManifestField } from './manifest-field.js';
import { reliability, type Scored } from './reliability.js';

/** Detections down to this raw score are fitted: callers may lower threshold_d well below the default. */
const MIN_RAW = 0.1;

function fitPlatt(points: readonly Scored[]): Calibration {
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-6;
    let hab = 0;
    let hbb = 1e-6;
    for (const p of points) {
      const x = logit(p.score);
      const q = 1 / (1 + Math.exp(-(a * x + b)));
      const e = q - Number(p.right);
      const w = q * (1 - q);
      ga += e * x;
      gb += e;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a: Math.round(a * 1e4) / 1e4, b: Math.round(b * 1e4) / 1e4 };
}

function reliabilityText(points: readonly Scored[]): string {
  return reliability(points, [0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001])
    .filter((b) => b.n > 0)
    .map((b) => `  ${b.meanScore.toFixed(3)} -> ${b.right.toFixed(3)} (n ${b.n})`)
    .join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args[0] ?? '';
  const modelsDir = modelsDirArg(args);
  const items = JSON.parse(readFileSync(join(dir, 'boxes.json'), 'utf8')) as Array<{ file: string; boxes: number[][] }>;
  const models = await loadModels(modelsDir, { intraOpNumThreads: 2 });
  const m = models.manifest['plate-detector'];
  const mode = modeSettings('regular', m.input, m.recommended_threshold, MIN_RAW);
  const points: Scored[] = [];
  for (const item of items) {
    const decoded = await decodeImage(readFileSync(join(dir, item.file)), { maxPixels: DEFAULT_MAX_PIXELS, maxSide: mode.maxDecodeSide });
    const sizes = passSizes(mode.detectorSizes, Math.max(decoded.raw.width, decoded.raw.height));
    const frame = { ...decoded, resized: new Map() };
    const { detections } = await detectWithCloseUp(models.detector, frame, sizes, mode.closeUpSize, mode.nms, true);
    const truth: Box[] = item.boxes.map(([xmin = 0, ymin = 0, xmax = 0, ymax = 0]) => ({ xmin, ymin, xmax, ymax }));
    const used = new Set<number>();
    for (const d of detections) {
      let best = -1;
      let bestIou = 0.5;
      truth.forEach((t, k) => {
        const v = iou(d.box, t);
        if (!used.has(k) && v >= bestIou) {
          best = k;
          bestIou = v;
        }
      });
      if (best >= 0) used.add(best);
      points.push({ score: d.score, right: best >= 0 });
    }
  }
  const cal = fitPlatt(points);
  console.log(`${items.length} images, ${points.length} detections >= ${MIN_RAW}; calibration a=${cal.a} b=${cal.b}`);
  console.log(`raw score -> share right:\n${reliabilityText(points)}`);
  console.log(`calibrated -> share right:\n${reliabilityText(points.map((p) => ({ ...p, score: calibrateScore(p.score, cal) })))}`);
  if (args.includes('--write')) {
    console.log(`written to ${setManifestField('plate-detector', 'calibration', cal, modelsDir)}`);
  }
  await releaseModels(models);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
