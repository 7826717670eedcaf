/**
 * Measures where the plate reader puts the characters of a well-boxed plate, and writes the median span to
 * models/manifest.json ("plate-reader".text_span). The engine re-crops a plate whose characters span much
 * less than that (src/engine/refine.ts), so the figure must come from the reader that ships. Run it after
 * training the reader:
 *
 *   npx tsx scripts/measure-text-span.ts [--write] [--models DIR]   (--write: that directory's manifest.json)
 *
 * The crops are the reader's real training crops (us-plate-crops, br-plate-crops: tight plate boxes), read the
 * way the engine reads a detection: the whole crop is the box, widened by the crop margin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MAX_PIXELS, decodeImage } from '../src/engine/decode.js';
import { loadModels, releaseModels } from '../src/engine/onnx-session.js';
import { plateCrops, READER_LANES, readCrops } from '../src/engine/read.js';
import { textColumns } from '../src/engine/refine.js';
import { DATASETS } from './datasets.js';
import { modelsDirArg, setManifestField } from './manifest-field.js';

const SETS = ['us-plate-crops', 'br-plate-crops'];
/** Crops per set: enough for a stable median, quick to run. */
const PER_SET = 400;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = modelsDirArg(process.argv);
  const models = await loadModels(dir, { intraOpNumThreads: 1 });
  const spans: number[] = [];
  for (const set of SETS) {
    const rows = readFileSync(join(DATASETS, set, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    const mine: number[] = [];
    for (const row of rows.slice(0, PER_SET)) {
      const file = row.split(',')[0] ?? '';
      const decoded = await decodeImage(readFileSync(join(DATASETS, set, 'images', file)), { maxPixels: DEFAULT_MAX_PIXELS, maxSide: Number.POSITIVE_INFINITY });
      const whole = { xmin: 0, ymin: 0, xmax: decoded.width, ymax: decoded.height };
      const read = await readCrops(models, plateCrops([whole], decoded.toRaw), decoded.raw);
      const text = textColumns(read.frames[0]?.[0] ?? new Float32Array(), read.classes, READER_LANES);
      if (text) mine.push(text.last - text.first);
    }
    mine.sort((a, b) => a - b);
    console.log(`${set}: n ${mine.length}, span q10 ${quantile(mine, 0.1)} median ${quantile(mine, 0.5)} q90 ${quantile(mine, 0.9)}`);
    spans.push(...mine);
  }
  spans.sort((a, b) => a - b);
  const median = quantile(spans, 0.5);
  console.log(`all: n ${spans.length}, median span ${median} columns`);
  if (process.argv.includes('--write')) console.log(`written to ${setManifestField('plate-reader', 'text_span', median, dir)}`);
  await releaseModels(models);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
