/**
 * Model loading: models/manifest.json names each model file and its sha256. A session is created once per
 * model per process (per worker thread) and only after the file's hash matches, so a half-copied or
 * swapped model fails at start-up instead of producing silent garbage.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { VEHICLE_TYPES } from './types.js';

export { DEFAULT_MODELS_DIR } from '../paths.js';

const ModelEntry = z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/i) });
/** Platt scaling fitted on validation (calibration.ts): calibrated = sigmoid(a * logit(raw) + b). */
const PlattCalibration = z.object({ a: z.number().positive(), b: z.number() });

export const Manifest = z.object({
  'plate-detector': ModelEntry.extend({
    input: z.object({ default_size: z.number().int().positive(), fast_size: z.number().int().positive() }),
    /** Raw-score threshold (best F1 on validation). */
    recommended_threshold: z.number().min(0).max(1),
    calibration: PlattCalibration,
  }),
  'plate-reader': ModelEntry.extend({
    crop_margin: z.number().min(0).max(1),
    /** Columns from the first to the last character on well-boxed plates (scripts/measure-text-span.ts). */
    text_span: z.number().positive().optional(),
    // Contract defaults; a manifest may state them.
    input: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }).partial().optional(),
    // The decoder assumes blank = class 0 and class i = alphabet[i-1]; another blank index is refused at load.
    output: z.object({ blank: z.literal(0).optional(), alphabet: z.string().regex(/^[0-9A-Za-z]+$/).optional() }).optional(),
  }),
  'vehicle-detector': ModelEntry.extend({
    input: z.object({ default_size: z.number().int().positive() }),
    recommended_threshold: z.number().min(0).max(1),
    calibration: PlattCalibration,
  }),
  'vehicle-attributes': ModelEntry.extend({
    input: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
    output: z.object({
      type: z.array(z.enum(VEHICLE_TYPES)).min(1),
      orientation: z.array(z.enum(['Front', 'Rear', 'Unknown'])).min(1),
    }),
    /** Below this top type probability the engine answers `Unknown` (chosen on validation). */
    type_min_score: z.number().min(0).max(1),
  }),
  /** Optional: without it `region` is predicted from the text alone. */
  'plate-style': ModelEntry.extend({
    input: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
    /** Style names in output order; regions/*.json `style` refers to them. */
    output: z.object({ styles: z.array(z.string().min(1)).min(2) }),
    crop_margin: z.number().min(0).max(1),
  }).optional(),
});
export type Manifest = z.infer<typeof Manifest>;

export interface SessionOptions {
  /** Threads inside one session.run(); 1 keeps each worker on one core (parallelism comes from workers). */
  intraOpNumThreads: number;
}

export interface LoadedModels {
  manifest: Manifest;
  detector: ort.InferenceSession;
  reader: ort.InferenceSession;
  vehicleDetector: ort.InferenceSession;
  vehicleAttributes: ort.InferenceSession;
  /** Present when the manifest lists a plate-style model. */
  plateStyle?: ort.InferenceSession;
}

export class ModelIntegrityError extends Error {
  constructor(file: string, expected: string, actual: string) {
    super(`Model ${file}: sha256 ${actual} does not match the manifest (${expected}).`);
    this.name = 'ModelIntegrityError';
  }
}

export async function loadManifest(modelsDir: string): Promise<Manifest> {
  return Manifest.parse(JSON.parse(await readFile(join(modelsDir, 'manifest.json'), 'utf8')));
}

/** Read a model file, check its sha256, and create the session from the same bytes (read once). */
export async function loadSession(
  modelsDir: string,
  entry: { file: string; sha256: string },
  opts: SessionOptions,
): Promise<ort.InferenceSession> {
  const bytes = await readFile(join(modelsDir, entry.file));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== entry.sha256.toLowerCase()) throw new ModelIntegrityError(entry.file, entry.sha256, actual);
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.intraOpNumThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
}

const loaded = new Map<string, Promise<LoadedModels>>();

/** Load every model once per (directory, thread count) in this thread; concurrent callers share the promise. */
export function loadModels(modelsDir: string, opts: SessionOptions): Promise<LoadedModels> {
  const key = `${modelsDir}|${opts.intraOpNumThreads}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const manifest = await loadManifest(modelsDir);
      const style = manifest['plate-style'];
      const [detector, reader, vehicleDetector, vehicleAttributes, plateStyle] = await Promise.all([
        loadSession(modelsDir, manifest['plate-detector'], opts),
        loadSession(modelsDir, manifest['plate-reader'], opts),
        loadSession(modelsDir, manifest['vehicle-detector'], opts),
        loadSession(modelsDir, manifest['vehicle-attributes'], opts),
        style ? loadSession(modelsDir, style, opts) : undefined,
      ]);
      return { manifest, detector, reader, vehicleDetector, vehicleAttributes, plateStyle };
    })();
    // A failed load is not cached: a retry after the files appear should work.
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

/** Release every session of models from loadModels, and forget them, for a process done with them. */
export async function releaseModels(models: LoadedModels): Promise<void> {
  for (const [key, p] of loaded) if ((await p.catch(() => undefined)) === models) loaded.delete(key);
  for (const s of [models.detector, models.reader, models.vehicleDetector, models.vehicleAttributes, models.plateStyle]) await s?.release();
}

export interface SessionOutput {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * Run a session with one input (float32, or uint8 for the detectors' raw pixels) and return the named outputs
 * with their dims and the time spent.
 */
export async function runSessionOutputs<K extends string>(
  session: ort.InferenceSession,
  inputName: string,
  data: Float32Array | Uint8Array,
  dims: readonly number[],
  outputNames: readonly K[],
): Promise<{ outputs: Record<K, SessionOutput>; ms: number }> {
  const t0 = performance.now();
  // The tensor's element type follows the array's (float32 or uint8).
  const out = await session.run({ [inputName]: new ort.Tensor(data, dims) });
  const ms = performance.now() - t0;
  const outputs = {} as Record<K, SessionOutput>;
  for (const name of outputNames) {
    const t = out[name];
    if (t?.type !== 'float32') throw new Error(`Model output ${name} missing or not float32.`);
    outputs[name] = { data: t.data as Float32Array, dims: t.dims };
  }
  return { outputs, ms };
}

/** runSessionOutputs for a single output. */
export async function runSession(
  session: ort.InferenceSession,
  inputName: string,
  data: Float32Array | Uint8Array,
  dims: readonly number[],
  outputName: string,
): Promise<SessionOutput & { ms: number }> {
  const { outputs, ms } = await runSessionOutputs(session, inputName, data, dims, [outputName]);
  return { ...(outputs[outputName] as SessionOutput), ms };
}
