/**
 * Accuracy of the engine on openalpr-format folders, scored like /work/shared/tools/score_api.py (same
 * metrics, same normalisation) but in-process, without the HTTP layer.
 *
 *   npm run eval -- DIR [DIR...] [--regions] [--mode regular|fast|redaction] [--threshold-d D] [--threshold-o O] [--no-deskew] [--square] [--out results.tsv] [--models DIR]
 *
 * DIR holds COUNTRY/ folders (us, eu, br) of IMAGE + IMAGE-STEM.txt (`filename x y w h PLATE`, tab-separated),
 * or is itself such a folder. With --regions the country is sent as a hint (us, br; eu none), as score_api does.
 * The engine runs as the server does (tight letterbox); --square uses the square letterbox of training.
 * Score reliability: the found plates' `score` in bins against how often that read is right, and every returned
 * box's `dscore` against how often it is the labelled plate (a second, unlabelled plate in a photo counts as
 * wrong there, so `dscore` reliability is a lower bound).
 * Vehicles: of the true plates found (IoU >= 0.3), the share paired with a vehicle box that contains them
 * (`vehicle_paired`) and the share whose vehicle has a type other than Unknown (`vehicle_typed`).
 * Region: of the true plates found, the share whose `region` is of the folder's country (`region_country`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { containment, MIN_CONTAINMENT } from '../src/engine/associate.js';
import { iou } from '../src/engine/box-map.js';
import { createInlineEngine } from '../src/engine/engine-pool.js';
import { DEFAULT_MODELS_DIR } from '../src/engine/onnx-session.js';
import { DEFAULT_PIPELINE_CONFIG } from '../src/engine/pipeline.js';
import { type Box, DEFAULT_RECOGNISE_OPTIONS, type EngineResult, type Mode } from '../src/engine/types.js';
import { loadRegionCatalog } from '../src/engine/regions.js';
import { plateText } from './datasets.js';
import { collectSamples, type Sample } from './openalpr-samples.js';
import { regionFits } from './region-country.js';
import { reliability, type Scored } from './reliability.js';

const REGION_HINT: Record<string, string | undefined> = { us: 'us', br: 'br', eu: undefined };

/** score_api's `norm`: plateText with O folded into 0 (the labels mix them up). */
const norm = (s: string): string => plateText(s).replace(/O/g, '0');

function parseArgs(argv: string[]): { dirs: string[]; regions: boolean; deskew: boolean; tight: boolean; mode: Mode; out?: string; models: string; thresholdD?: number; thresholdO?: number } {
  const dirs: string[] = [];
  let regions = false;
  let deskew = DEFAULT_PIPELINE_CONFIG.deskew;
  let tight = true;
  let mode: Mode = 'regular';
  let out: string | undefined;
  let models = DEFAULT_MODELS_DIR;
  let thresholdD: number | undefined;
  let thresholdO: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--regions') regions = true;
    else if (a === '--no-deskew') deskew = false;
    else if (a === '--square') tight = false;
    else if (a === '--mode') mode = (argv[++i] ?? 'regular') as Mode;
    else if (a === '--out') out = argv[++i];
    else if (a === '--models') models = argv[++i] ?? models;
    else if (a === '--threshold-d') thresholdD = Number(argv[++i]);
    else if (a === '--threshold-o') thresholdO = Number(argv[++i]);
    else dirs.push(a);
  }
  if (dirs.length === 0) throw new Error('usage: eval DIR [DIR...] [--regions] [--mode regular|fast|redaction] [--threshold-d D] [--threshold-o O] [--out file.tsv] [--models DIR]');
  return { dirs, regions, deskew, tight, mode, out, models, thresholdD, thresholdO };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

const RELIABILITY_BINS = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001];

const reliabilityRows = (points: readonly Scored[]) =>
  reliability(points, RELIABILITY_BINS).map((b) => ({ bin: `${b.lo}-${Math.min(b.hi, 1)}`, n: b.n, mean_score: r4(b.meanScore), right: r4(b.right) }));

const corners = (b: Box): string => [b.xmin, b.ymin, b.xmax, b.ymax].join(',');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const engine = await createInlineEngine({ modelsDir: args.models, deskew: args.deskew, tightLetterbox: args.tight });
  const samples = args.dirs.flatMap(collectSamples);
  const catalog = loadRegionCatalog();
  const rows: string[] = ['country\timage\ttruth\tread\ttop1\ttop5\tdetected\ttotal_ms'];
  const byCountry = new Map<string, Sample[]>();
  for (const s of samples) byCountry.set(s.country, [...(byCountry.get(s.country) ?? []), s]);
  const totals = { n: 0, top1: 0, top5: 0, det: 0, paired: 0, typed: 0 };
  const scored: Scored[] = [];
  const dscored: Scored[] = [];
  for (const [country, list] of byCountry) {
    const st = { top1: 0, top1Exact: 0, top5: 0, det: 0, extra: 0, paired: 0, typed: 0, region: 0, ms: [] as number[], stages: { decode: [] as number[], detect: [] as number[], vehicle: [] as number[], read: [] as number[] } };
    const misreads: string[] = [];
    for (const s of list) {
      const hint = args.regions ? REGION_HINT[country] : undefined;
      let res: EngineResult | undefined;
      try {
        res = await engine.recognise(readFileSync(s.file), { ...DEFAULT_RECOGNISE_OPTIONS, mode: args.mode, regions: hint ? [hint] : [], thresholdD: args.thresholdD, thresholdO: args.thresholdO });
      } catch (e) {
        misreads.push(`${basename(s.file)}\t${s.plate}\tERROR ${(e as Error).message}`);
      }
      const plates = res?.plates ?? [];
      const hit1 = plates.some((p) => norm(p.plate) === norm(s.plate));
      const hit5 = hit1 || plates.some((p) => p.candidates.slice(0, 5).some((c) => norm(c.plate) === norm(s.plate)));
      const ious = plates.map((p) => iou(s.box, p.box));
      const det = ious.some((v) => v >= 0.3);
      st.top1 += Number(hit1);
      st.top1Exact += Number(plates.some((p) => plateText(p.plate) === plateText(s.plate)));
      st.top5 += Number(hit5);
      st.det += Number(det);
      st.extra += ious.filter((v) => v < 0.05).length;
      const found = plates[ious.indexOf(Math.max(...ious))];
      for (const [i, p] of plates.entries()) dscored.push({ score: p.dscore, right: (ious[i] ?? 0) >= 0.3 });
      if (det && found) scored.push({ score: found.score, right: norm(found.plate) === norm(s.plate) });
      if (det && found) st.region += Number(regionFits(country, found.region.code, catalog));
      if (det && found && found.vehicle.score > 0 && containment(found.box, found.vehicle.box) >= MIN_CONTAINMENT) {
        st.paired += 1;
        st.typed += Number(found.vehicle.type !== 'Unknown');
      }
      if (res) {
        st.ms.push(res.timings.totalMs);
        st.stages.decode.push(res.timings.decodeMs);
        st.stages.detect.push(res.timings.detectMs);
        st.stages.vehicle.push(res.timings.vehicleMs);
        st.stages.read.push(res.timings.readMs);
      }
      const best = plates[0]?.plate ?? '';
      if (!hit1 && res) {
        const read = plates.map((p) => p.plate).join(',') || '(none)';
        // The best-overlapping box beside the truth: tells a misread from a misplaced box.
        const where = found ? `iou ${Math.max(...ious).toFixed(2)}\ttruth ${corners(s.box)}\tfound ${corners(found.box)}` : '';
        misreads.push(`${basename(s.file)}\t${s.plate}\t${read}\t${det ? 'found' : 'not found'}\t${where}`);
      }
      rows.push([country, basename(s.file), s.plate, best, Number(hit1), Number(hit5), Number(det), (res?.timings.totalMs ?? Number.NaN).toFixed(1)].join('\t'));
    }
    const n = Math.max(list.length, 1);
    console.log(JSON.stringify({
      country, images: list.length, top1: r4(st.top1 / n), top1_exact: r4(st.top1Exact / n), top5: r4(st.top5 / n),
      detected: r4(st.det / n), extra_per_image: Math.round((st.extra / n) * 1000) / 1000,
      vehicle_paired: r4(st.paired / Math.max(st.det, 1)), vehicle_typed: r4(st.typed / Math.max(st.det, 1)),
      region_country: r4(st.region / Math.max(st.det, 1)),
      median_ms: {
        total: r4(median(st.ms)), decode: r4(median(st.stages.decode)), detect: r4(median(st.stages.detect)),
        vehicle: r4(median(st.stages.vehicle)), read: r4(median(st.stages.read)),
      },
    }));
    if (misreads.length > 0) console.log(`  misreads (${country}): file\texpected\tgot\tplate\tbest box overlap\n  ${misreads.join('\n  ')}`);
    totals.n += list.length;
    totals.top1 += st.top1;
    totals.top5 += st.top5;
    totals.det += st.det;
    totals.paired += st.paired;
    totals.typed += st.typed;
  }
  const n = Math.max(totals.n, 1);
  console.log(JSON.stringify({ country: 'all', images: totals.n, top1: r4(totals.top1 / n), top5: r4(totals.top5 / n), detected: r4(totals.det / n),
    vehicle_paired: r4(totals.paired / Math.max(totals.det, 1)), vehicle_typed: r4(totals.typed / Math.max(totals.det, 1)) }));
  console.log(JSON.stringify({ score_reliability: reliabilityRows(scored), dscore_reliability: reliabilityRows(dscored) }));
  if (args.out) writeFileSync(args.out, `${rows.join('\n')}\n`);
  await engine.close();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
