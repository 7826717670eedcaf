/**
 * What the whole engine finds on the plate detector's held-out real photos, and what it invents: the check on
 * real photos for engine choices made on the end-to-end validation set (whose plates are pasted in), such as
 * how far below the detector's threshold tentative boxes go (mode.ts).
 *
 *   /usr/bin/python3 models/train/detector/export_val.py /tmp/detval
 *   npx tsx scripts/pipeline-recall.ts /tmp/detval [--mode regular|fast|redaction] [--models DIR]
 *
 * The same photos as busy 1920x1080 frames (models/train/detector/export_mosaic.py /tmp/detval /tmp/mosaic)
 * test what the engine does for small real plates in full-resolution frames (the zoom-in pass, mode.ts).
 *
 * A returned plate is found when it overlaps a labelled plate not yet matched at IoU >= 0.3 (greedy, in the
 * engine's order), false otherwise; unreadable labelled plates count as missed, so recall here is far below
 * the detector's own. Per source (us, veh, ro, bg = plate-free backgrounds) and in all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iou } from '../src/engine/box-map.js';
import { createInlineEngine } from '../src/engine/engine-pool.js';
import { loadRegionCatalog } from '../src/engine/regions.js';
import { DEFAULT_RECOGNISE_OPTIONS, type Box, type Mode } from '../src/engine/types.js';
import { modelsDirArg } from './manifest-field.js';
import { regionFits } from './region-country.js';

/** Overlap at which a returned plate is the labelled one, as eval.ts and score_api.py count a detection. */
const MATCH_IOU = 0.3;

interface Tally {
  photos: number;
  plates: number;
  found: number;
  invented: number;
  /** Found plates whose `region` is of the source's country (sources whose photos are all of one country). */
  rightCountry: number;
}

/**
 * Sources whose plates are all of one country: `region` is scored on them (us-plates-yolo: US, ro-dashcam-voc:
 * Romania). vehicle-plate-yolo mixes countries and has no such truth.
 */
const SOURCE_COUNTRY: Record<string, string> = { us: 'us', ro: 'ro' };


function argValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function line(name: string, t: Tally): string {
  const recall = t.plates > 0 ? (t.found / t.plates).toFixed(3) : '-';
  const country = SOURCE_COUNTRY[name];
  const region = country && t.found > 0 ? `  region ${country} ${(t.rightCountry / t.found).toFixed(3)} (${t.rightCountry}/${t.found})` : '';
  return `${name.padEnd(4)} photos ${String(t.photos).padStart(4)}  recall ${recall} (${t.found}/${t.plates})  false plates ${t.invented} (${(t.invented / t.photos).toFixed(3)} per photo)${region}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args[0];
  if (!dir || dir.startsWith('--')) throw new Error('usage: pipeline-recall.ts DIR [--mode regular|fast|redaction] [--models DIR]');
  const mode = (argValue(args, '--mode') ?? 'regular') as Mode;
  const items = JSON.parse(readFileSync(join(dir, 'boxes.json'), 'utf8')) as Array<{ file: string; kind: string; boxes: number[][] }>;
  const engine = await createInlineEngine({ modelsDir: modelsDirArg(args) });
  const catalog = loadRegionCatalog();
  const bySource = new Map<string, Tally>();
  const all: Tally = { photos: 0, plates: 0, found: 0, invented: 0, rightCountry: 0 };
  for (const item of items) {
    const result = await engine.recognise(readFileSync(join(dir, item.file)), { ...DEFAULT_RECOGNISE_OPTIONS, mode });
    const truth: Box[] = item.boxes.map(([xmin = 0, ymin = 0, xmax = 0, ymax = 0]) => ({ xmin, ymin, xmax, ymax }));
    const matched = new Set<number>();
    let found = 0;
    let rightCountry = 0;
    const country = SOURCE_COUNTRY[item.kind];
    for (const plate of result.plates) {
      let best = -1;
      let bestIou = 0;
      truth.forEach((t, k) => {
        const overlap = iou(plate.box, t);
        if (!matched.has(k) && (best < 0 ? overlap >= MATCH_IOU : overlap > bestIou)) [best, bestIou] = [k, overlap];
      });
      if (best >= 0) {
        matched.add(best);
        found++;
        if (country && regionFits(country, plate.region.code, catalog)) rightCountry++;
      }
    }
    const tally = bySource.get(item.kind) ?? { photos: 0, plates: 0, found: 0, invented: 0, rightCountry: 0 };
    bySource.set(item.kind, tally);
    for (const t of [tally, all]) {
      t.photos++;
      t.plates += truth.length;
      t.found += found;
      t.invented += result.plates.length - found;
      t.rightCountry += rightCountry;
    }
  }
  await engine.close();
  console.log(`mode ${mode}, ${dir}`);
  for (const [name, t] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) console.log(line(name, t));
  console.log(line('all', all));
}

await main();
