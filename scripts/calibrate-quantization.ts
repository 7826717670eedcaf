/**
 * Activation ranges for int8 quantization (models/train/quantize.py): runs a probe model (every tensor the
 * quantizer touches exposed as an output) over calibration inputs and writes {"tensor": [min, max]} as JSON.
 * Detector: photos letterboxed exactly as the engine feeds it, at each pass size. Reader (`--tensors`): a
 * float32 [N, 1, H, W] file of crops (models/train/reader/export_calibration.py), run in batches.
 *
 *   npx tsx scripts/calibrate-quantization.ts PROBE.onnx IMAGE_DIR OUT.json [--sizes 640,1280] [--percentile 99.99]
 *   npx tsx scripts/calibrate-quantization.ts PROBE.onnx CROPS.bin OUT.json --tensors 1,64,192
 *
 * A range is the mean over images of each image's low and high percentile of the tensor (with 100, its min and
 * max): one image's outlier activation does not stretch the scale every other image is quantized with.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { buildDetectorInput, decodeImage, DEFAULT_MAX_PIXELS } from '../src/engine/decode.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string', default: '640,1280' },
    percentile: { type: 'string', default: '99.99' },
    tensors: { type: 'string' },
    batch: { type: 'string', default: '32' },
  },
});
const [probePath, source, outPath] = positionals;
if (!probePath || !source || !outPath) {
  console.error('usage: calibrate-quantization.ts PROBE.onnx IMAGE_DIR|CROPS.bin OUT.json [--sizes 640,1280] [--tensors C,H,W] [--percentile 99.99]');
  process.exit(2);
}
const sizes = (values.sizes ?? '640').split(',').map(Number);
const pct = Number(values.percentile);

function bounds(data: Float32Array): [number, number] {
  if (pct >= 100) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }
  const sorted = Float32Array.from(data).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((q / 100) * (sorted.length - 1))))] ?? 0;
  return [at(100 - pct), at(pct)];
}

/** Every input the probe is run on: detector canvases of each photo and size, or batches of crops. */
async function* inputs(): AsyncGenerator<ort.Tensor> {
  if (values.tensors) {
    const shape = values.tensors.split(',').map(Number);
    const per = shape.reduce((a, b) => a * b, 1);
    const bytes = await readFile(source as string);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const batch = Number(values.batch);
    for (let at = 0; at < all.length / per; at += batch) {
      const n = Math.min(batch, all.length / per - at);
      yield new ort.Tensor('float32', all.slice(at * per, (at + n) * per), [n, ...shape]);
    }
    return;
  }
  const files = (await readdir(source as string)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  for (const file of files) {
    const decoded = await decodeImage(await readFile(join(source as string, file)), { maxPixels: DEFAULT_MAX_PIXELS, maxSide: Number.POSITIVE_INFINITY });
    for (const size of sizes) {
      const input = await buildDetectorInput(decoded.raw, size, true);
      const { canvasWidth: w, canvasHeight: h } = input.letterbox;
      yield new ort.Tensor('uint8', Uint8Array.from(input.pixels), [1, h, w, 3]);
      input.release();
    }
  }
}

const session = await ort.InferenceSession.create(probePath, { intraOpNumThreads: 2 });
const sums = new Map<string, { lo: number; hi: number; n: number }>();
let runs = 0;
for await (const tensor of inputs()) {
  const out = await session.run({ [session.inputNames[0] as string]: tensor });
  runs++;
  for (const [name, value] of Object.entries(out)) {
    if (value.type !== 'float32') continue;
    const [lo, hi] = bounds(value.data as Float32Array);
    const s = sums.get(name) ?? { lo: 0, hi: 0, n: 0 };
    sums.set(name, { lo: s.lo + lo, hi: s.hi + hi, n: s.n + 1 });
  }
}
// The model's own input is not an output of the probe: its range is the contract's.
const ranges: Record<string, number[]> = Object.fromEntries([...sums].map(([name, s]) => [name, [s.lo / s.n, s.hi / s.n]]));
ranges[session.inputNames[0] as string] ??= [0, 1];
await writeFile(outPath, `${JSON.stringify(ranges, null, 1)}\n`);
console.log(`${Object.keys(ranges).length} tensors from ${runs} runs -> ${outPath}`);
