/**
 * Score calibration (Platt scaling): calibrated = sigmoid(a * logit(raw) + b), with a and b fitted on a
 * validation split by the training or calibration script and stored in models/manifest.json. Monotone, so
 * rankings and NMS are unchanged; thresholds a caller gives in calibrated terms map back to raw ones.
 */
export interface Calibration {
  a: number;
  b: number;
}

const EPS = 1e-4;
export const logit = (p: number): number => {
  const q = Math.min(Math.max(p, EPS), 1 - EPS);
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function calibrateScore(raw: number, cal: Calibration): number {
  return sigmoid(cal.a * logit(raw) + cal.b);
}

/** The raw score whose calibrated value is `calibrated` (the inverse of calibrateScore). */
export function rawScoreFor(calibrated: number, cal: Calibration): number {
  if (calibrated <= 0) return 0;
  if (calibrated >= 1) return 1;
  return sigmoid((logit(calibrated) - cal.b) / cal.a);
}
