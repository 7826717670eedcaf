/**
 * Vehicles: our vehicle detector (one class, stride 16, native 320) finds the boxes, the attribute classifier
 * names type and orientation from a 64x64 crop of each. Detector scores are mapped through the Platt
 * calibration the training fitted on validation, so `vehicle.score` reads as "probability this is a vehicle".
 */
import { scaleBox } from './box-map.js';
import { type DetectInput, detectBoxes } from './detect.js';
import { DEFAULT_NMS } from './nms.js';
import { type LoadedModels, runSessionOutputs } from './onnx-session.js';
import { cropToRgbTensor } from './rgb-crop.js';
import type { Vehicle } from './types.js';

/**
 * Vehicles are searched down to this fraction of the model's threshold: a weak vehicle box that carries a
 * plate is kept (the plate is strong evidence), one without a plate is dropped (see `confident`).
 */
export const WEAK_VEHICLE_FACTOR = 0.5;
/** Vehicles kept per image at most. */
const MAX_VEHICLES = 30;

export interface FoundVehicle extends Vehicle {
  /** Raw detector score at or above the model's recommended threshold. */
  confident: boolean;
}

const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-4), 1 - 1e-4);
  return Math.log(q / (1 - q));
};

export function calibrateScore(raw: number, cal: { a: number; b: number }): number {
  return 1 / (1 + Math.exp(-(cal.a * logit(raw) + cal.b)));
}

/** Softmax rows -> labels ranked by probability. */
function ranked<T extends string>(probs: Float32Array, offset: number, labels: readonly T[]): Array<{ value: T; score: number }> {
  return labels.map((value, i) => ({ value, score: probs[offset + i] ?? 0 })).sort((a, b) => b.score - a.score);
}

export async function detectVehicles(
  models: LoadedModels,
  img: DetectInput,
  tight: boolean,
): Promise<{ vehicles: FoundVehicle[]; ms: number }> {
  const detM = models.manifest['vehicle-detector'];
  const threshold = detM.recommended_threshold;
  const det = await detectBoxes(
    models.vehicleDetector,
    img,
    [detM.input.default_size],
    { ...DEFAULT_NMS, scoreThreshold: threshold * WEAK_VEHICLE_FACTOR, maxDetections: MAX_VEHICLES },
    tight,
  );
  const boxes = det.detections;
  if (boxes.length === 0) return { vehicles: [], ms: det.ms };

  const attrM = models.manifest['vehicle-attributes'];
  const { width: w, height: h } = attrM.input;
  const batch = new Float32Array(boxes.length * 3 * h * w);
  boxes.forEach((d, i) => {
    cropToRgbTensor(img.raw, scaleBox(d.box, img.toRaw), w, h, batch, i * 3 * h * w);
  });
  const { outputs, ms } = await runSessionOutputs(models.vehicleAttributes, 'images', batch, [boxes.length, 3, h, w], [
    'type',
    'orientation',
  ]);
  const types = attrM.output.type;
  const orientations = attrM.output.orientation;
  const vehicles = boxes.map((d, i): FoundVehicle => {
    const type = ranked(outputs.type.data, i * types.length, types)[0];
    const orientation = ranked(outputs.orientation.data, i * orientations.length, orientations);
    return {
      score: calibrateScore(d.score, detM.calibration),
      // Below the validated confidence the classifier is as likely wrong as right: say so.
      type: type && type.score >= attrM.type_min_score ? type.value : 'Unknown',
      box: d.imageBox,
      orientation: orientation.map((o) => ({ orientation: o.value, score: o.score })),
      confident: d.score >= threshold,
    };
  });
  return { vehicles, ms: det.ms + ms };
}
