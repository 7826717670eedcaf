/**
 * Vehicles: our vehicle detector (one class, stride 16, native 320) finds the boxes, the attribute classifier
 * names type and orientation from a 64x64 crop of each vehicle the answer shows. Detector scores are mapped
 * through the Platt calibration the training fitted on validation, so `vehicle.score` reads as "probability
 * this is a vehicle".
 */
import { scaleBox } from './box-map.js';
import { calibrateScore } from './calibration.js';
import { type DetectInput, detectBoxes } from './detect.js';
import { DEFAULT_NMS } from './nms.js';
import { type LoadedModels, runSessionOutputs } from './onnx-session.js';
import { cropToRgbTensor } from './rgb-crop.js';
import type { RawImage } from './crop.js';
import type { Box, Vehicle } from './types.js';

/**
 * Vehicles are searched down to this fraction of the model's threshold: a weak vehicle box that carries a
 * plate is kept (the plate is strong evidence), one without a plate is dropped (see `confident`).
 */
export const WEAK_VEHICLE_FACTOR = 0.5;
/** Vehicles kept per image at most. */
const MAX_VEHICLES = 30;

export interface FoundVehicle {
  /** Calibrated detection score. */
  score: number;
  box: Box;
  /** Raw detector score at or above the model's recommended threshold. */
  confident: boolean;
  /** Box in decoded-image pixels, for the attribute crop. */
  rawBox: Box;
}

/** Softmax rows -> labels ranked by probability. */
function ranked<T extends string>(probs: Float32Array, offset: number, labels: readonly T[]): Array<{ value: T; score: number }> {
  return labels.map((value, i) => ({ value, score: probs[offset + i] ?? 0 })).sort((a, b) => b.score - a.score);
}

/** Vehicle boxes, strongest first: confident ones and the weak ones that may yet carry a plate. */
export async function findVehicles(models: LoadedModels, img: DetectInput, tight: boolean): Promise<{ vehicles: FoundVehicle[]; ms: number }> {
  const m = models.manifest['vehicle-detector'];
  const det = await detectBoxes(
    models.vehicleDetector,
    img,
    [m.input.default_size],
    { ...DEFAULT_NMS, scoreThreshold: m.recommended_threshold * WEAK_VEHICLE_FACTOR, maxDetections: MAX_VEHICLES },
    tight,
  );
  const vehicles = det.detections.map((d) => ({
    score: calibrateScore(d.score, m.calibration),
    box: d.imageBox,
    confident: d.score >= m.recommended_threshold,
    rawBox: scaleBox(d.box, img.toRaw),
  }));
  return { vehicles, ms: det.ms };
}

/**
 * Type and orientation of the given vehicles from one batched run of the attribute classifier. Only the
 * vehicles the answer shows are described: the crop and the run cost per vehicle.
 */
export async function describeVehicles(models: LoadedModels, raw: RawImage, found: readonly FoundVehicle[]): Promise<{ vehicles: Vehicle[]; ms: number }> {
  if (found.length === 0) return { vehicles: [], ms: 0 };
  const m = models.manifest['vehicle-attributes'];
  const { width: w, height: h } = m.input;
  const batch = new Float32Array(found.length * 3 * h * w);
  found.forEach((v, i) => {
    cropToRgbTensor(raw, v.rawBox, w, h, batch, i * 3 * h * w);
  });
  const { outputs, ms } = await runSessionOutputs(models.vehicleAttributes, 'images', batch, [found.length, 3, h, w], ['type', 'orientation']);
  const types = m.output.type;
  const orientations = m.output.orientation;
  const vehicles = found.map((v, i): Vehicle => {
    const type = ranked(outputs.type.data, i * types.length, types)[0];
    return {
      score: v.score,
      // Below the confidence chosen on validation, named types are right less than 85 % of the time: say Unknown.
      type: type && type.score >= m.type_min_score ? type.value : 'Unknown',
      box: v.box,
      orientation: ranked(outputs.orientation.data, i * orientations.length, orientations).map((o) => ({ orientation: o.value, score: o.score })),
    };
  });
  return { vehicles, ms };
}
