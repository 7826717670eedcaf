/**
 * One recognition, start to end, in the calling thread:
 * decode -> letterbox -> detect plates (1-2 passes) -> threshold + NMS -> detect vehicles + attributes -> pair
 * plates with vehicles (strict rule) -> crop -> batch read (+ re-crop of loose boxes) -> CTC beam -> plate style
 * -> re-rank by hints or by the style -> threshold -> region prediction.
 * Stateless per call; the models and region catalogue are loaded once per thread.
 */
import { associatePlates } from './associate.js';
import { clampBox, roundBox } from './box-map.js';
import { calibrateScore, rawScoreFor } from './calibration.js';
import { DEFAULT_MAX_PIXELS, decodeImage } from './decode.js';
import { capTentative, detectWithCloseUp, passSizes } from './detect.js';
import { type LoadedModels, loadModels } from './onnx-session.js';
import { modeSettings, SURE_PLATE_DSCORE } from './mode.js';
import { classifyPlateStyles } from './plate-style.js';
import { readPlates } from './read.js';
import { predictRegion } from './region-predict.js';
import {
  applyConstraints,
  compileTextFormats,
  hasConstraints,
  loadRegionCatalog,
  rankByLooks,
  type RegionCatalog,
  resolveHints,
} from './regions.js';
import type { Candidate, EngineResult, PlateRead, RecogniseOptions, Vehicle } from './types.js';
import { describeVehicles, type FoundVehicle, findVehicles } from './vehicles.js';

export interface PipelineConfig {
  modelsDir: string;
  regionsDir?: string;
  /** Threads per onnxruntime session (per worker). */
  intraOpThreads: number;
  /** Decompression-bomb guard (width x height after decode header). */
  maxPixels: number;
  /**
   * Level tilted plates before reading (deskew.ts): a plate read unsurely level is read levelled by its estimated
   * roll too, and the surer read kept (read.ts). On by default since stop 24: on the held-out crops as plates
   * rolled 8-20 degrees in 1280x720 frames (`export_e2e_val.py --roll 8,20 --per-crop 1`, 286 photos) top-1 0.532
   * -> 0.580, top-5 0.601 -> 0.636, detected 0.647 -> 0.657 (more reads clear threshold_o), for 0.787 -> 0.783 on
   * the end-to-end validation photos, whose plates roll about 3 degrees (+2 / -4 photos of 572), and 0.594 ->
   * 0.605 on the in-host set. Estimating every box's roll first (the tentative gate then read on the levelled
   * crop) found 0.598 of the rolled plates but cost 10-12 ms of CPU per 800x600 call, mostly on tentative boxes
   * the gate then drops, and took fast mode under its throughput target; this way the cost is not measurable on
   * the bench's photos. The levelled read alone, without the level one to fall back on, read a close-up plate
   * turned 8 degrees as `4j161` (0.10) instead of `j1s1` (e2e-models.test.ts).
   */
  deskew: boolean;
  /** Detector canvas rounded to the stride instead of square (letterbox.ts). */
  tightLetterbox: boolean;
  /** Let the larger detection pass upsample images smaller than it (detect.ts passSizes). */
  upsampleSecondPass: boolean;
}

export const DEFAULT_PIPELINE_CONFIG: Omit<PipelineConfig, 'modelsDir'> = {
  intraOpThreads: 1,
  maxPixels: DEFAULT_MAX_PIXELS,
  deskew: true,
  tightLetterbox: true,
  upsampleSecondPass: false,
};

/** The contract's "no vehicle found": clients index into `vehicle`, so it is always present. */
export function zeroVehicle(): Vehicle {
  return { score: 0, type: 'Unknown', box: { xmin: 0, ymin: 0, xmax: 0, ymax: 0 } };
}

export interface Pipeline {
  recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult>;
  readonly models: LoadedModels;
}

export async function createPipeline(config: PipelineConfig): Promise<Pipeline> {
  const models = await loadModels(config.modelsDir, { intraOpNumThreads: config.intraOpThreads });
  const catalog = loadRegionCatalog(config.regionsDir);
  return { models, recognise: (image, options) => recogniseWith(models, catalog, config, image, options) };
}

export async function recogniseWith(
  models: LoadedModels,
  catalog: RegionCatalog,
  config: PipelineConfig,
  image: Uint8Array,
  options: RecogniseOptions,
): Promise<EngineResult> {
  const t0 = performance.now();
  const detector = models.manifest['plate-detector'];
  // threshold_d is given in terms of the dscore the caller sees (calibrated); the detector works on raw scores.
  const thresholdD = options.thresholdD === undefined ? undefined : rawScoreFor(options.thresholdD, detector.calibration);
  const mode = modeSettings(options.mode, detector.input, detector.recommended_threshold, thresholdD);
  const textFormats = compileTextFormats(options.textFormats);
  const hinted = resolveHints(catalog, options.regions);

  const decoded = await decodeImage(image, { maxPixels: config.maxPixels, maxSide: mode.maxDecodeSide });
  const t1 = performance.now();

  const sizes = passSizes(mode.detectorSizes, Math.max(decoded.raw.width, decoded.raw.height), config.upsampleSecondPass);
  const frame = { ...decoded, resized: new Map() };
  const det = await detectWithCloseUp(models.detector, frame, sizes, mode.closeUpSize, mode.nms, config.tightLetterbox, mode.confidentScore, mode.zoom);
  const t2 = performance.now();

  const detections = capTentative(det.detections, mode.confidentScore);
  // Vehicles are found for the plates that need one. Strict: a plate on no vehicle is dropped before it costs
  // a read, so the vehicle model runs first. Otherwise it runs after reading, and only when a plate was read
  // (or vehicle mode lists vehicles anyway): a frame whose boxes are all unreadable, such as an empty scene's
  // tentative boxes, does not pay for it.
  const strict = options.detectionRule === 'strict';
  const pairUp = async (): Promise<{ found: { vehicles: FoundVehicle[]; ms: number }; owners: number[] }> => {
    const found = needsVehicles(options, detections.length) ? await findVehicles(models, frame, config.tightLetterbox) : { vehicles: [], ms: 0 };
    return { found, owners: associatePlates(detections.map((d) => d.imageBox), found.vehicles) };
  };
  let paired = strict ? await pairUp() : undefined;
  const dets = detections.map((d, i) => ({ ...d, index: i })).filter((d) => !strict || (paired?.owners[d.index] ?? -1) >= 0);
  const t3 = performance.now();

  const tentative = dets.map((d) => d.score < mode.confidentScore);
  const read = await readPlates(models, dets.map((d) => d.box), decoded.raw, decoded.toRaw, mode.beamWidth, config.deskew, tentative);
  // A re-crop that read better is where the plate is: report that box.
  const located = dets.map((detected, i) => {
    const reboxed = read.reboxed[i];
    const dscore = calibrateScore(detected.score, detector.calibration);
    return { ...detected, dscore, ...(reboxed ? { imageBox: roundBox(clampBox(reboxed, decoded.width, decoded.height)) } : {}) };
  });
  const thresholdO = options.thresholdO ?? mode.thresholdO;
  const constraints = { regions: hinted, textFormats };
  const wellRead: Array<{ det: (typeof located)[number]; ranked: Candidate[]; unread: boolean }> = [];
  located.forEach((d, i) => {
    const ranked = applyConstraints(read.candidates[i] ?? [], constraints, options.regionStrict);
    if (!ranked || ranked.length === 0) return;
    // threshold_o asks whether the plate was read well enough, so it is held against the best read left, not
    // the first after re-ranking: a hint that promotes a less probable candidate must not make the plate vanish.
    // (Order-free, so it can come before the re-ranking by looks, and only the plates kept are classified.)
    const sure = options.thresholdO === undefined && d.dscore >= SURE_PLATE_DSCORE;
    const readWell = Math.max(...ranked.map((c) => c.score)) >= thresholdO;
    if (sure || readWell) wellRead.push({ det: d, ranked, unread: !readWell });
  });
  const tPair = performance.now();
  if (!paired && (wellRead.length > 0 || options.detectionMode === 'vehicle')) paired = await pairUp();
  const pairMs = performance.now() - tPair;
  const found = paired?.found ?? { vehicles: [], ms: 0 };
  const readable = wellRead.map((k) => ({ ...k, det: { ...k.det, owner: paired?.owners[k.det.index] ?? -1 } }));
  // Described: the carriers of the plates returned and, in vehicle mode, the confident vehicles without one.
  const carriers = new Set(readable.map((k) => k.det.owner).filter((o) => o >= 0));
  const shown = found.vehicles
    .map((v, i) => ({ v, i }))
    .filter(({ v, i }) => carriers.has(i) || (options.detectionMode === 'vehicle' && v.confident));
  const tDescribe = performance.now();
  const described = await describeVehicles(models, decoded.raw, shown.map((s) => s.v));
  const describeMs = performance.now() - tDescribe;
  const vehicleOf = new Map(shown.map((s, k) => [s.i, described.vehicles[k]]));
  const looks = await classifyPlateStyles(models, readable.map((r) => r.det.imageBox), decoded.raw, decoded.toRaw);
  // Hints and text_formats ranked first; without them, how the plate looks stands in for a hint.
  const kept = readable.map((r, i) => ({
    ...r,
    ranked: hasConstraints(constraints) ? r.ranked : rankByLooks(r.ranked, looks.styles[i], catalog),
    looks: looks.styles[i],
  }));
  // Plates read well come first, by dscore, as before sure boxes were kept however they read: a client that
  // takes the first result still gets a plate that was read, and the sure but unread ones follow it.
  kept.sort((a, b) => Number(a.unread) - Number(b.unread) || b.det.dscore - a.det.dscore);
  const plates: PlateRead[] = kept.map(({ det: d, ranked, looks: style }) => {
    const top = ranked[0] as Candidate;
    return {
      box: d.imageBox,
      plate: top.plate,
      score: top.score,
      dscore: d.dscore,
      candidates: ranked,
      region: predictRegion(top.plate, catalog, hinted, options.regions, style),
      vehicle: vehicleOf.get(d.owner) ?? zeroVehicle(),
    };
  });
  const vehicles = shown.filter((s) => !carriers.has(s.i)).flatMap((s) => vehicleOf.get(s.i) ?? []);
  const t4 = performance.now();
  return {
    width: decoded.width,
    height: decoded.height,
    plates,
    vehicles,
    timings: {
      decodeMs: t1 - t0,
      detectMs: t2 - t1,
      vehicleMs: t3 - t2 + pairMs + describeMs,
      readMs: t4 - t3 - pairMs - describeMs,
      modelMs: det.ms + found.ms + read.ms + described.ms + looks.ms,
      totalMs: t4 - t0,
    },
  };
}

/**
 * Whether the answer depends on the vehicle model. With no plate found only vehicle mode shows vehicles; fast
 * mode skips it unless the strict rule, vehicle mode or mmc (orientation comes from the vehicle crop) asks.
 */
export function needsVehicles(options: RecogniseOptions, plates: number): boolean {
  if (options.detectionMode === 'vehicle') return true;
  if (plates === 0) return false;
  return options.mode !== 'fast' || options.detectionRule === 'strict' || options.mmc;
}
