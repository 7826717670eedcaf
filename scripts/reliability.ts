/** Reliability of a score (calibration check) for the measurement scripts: eval.ts, calibrate-detector.ts. */
export interface Scored {
  score: number;
  right: boolean;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean score in the bin and the share of its points that are right (0 for an empty bin): equal when calibrated. */
  meanScore: number;
  right: number;
}

/** Points in the bins [edges[i], edges[i+1]); make the last edge > 1 to include a score of exactly 1. */
export function reliability(points: readonly Scored[], edges: readonly number[]): ReliabilityBin[] {
  return edges.slice(1).map((hi, i) => {
    const lo = edges[i] ?? 0;
    const inBin = points.filter((p) => p.score >= lo && p.score < hi);
    const n = inBin.length;
    const share = (f: (p: Scored) => number): number => inBin.reduce((a, p) => a + f(p), 0) / Math.max(n, 1);
    return { lo, hi, n, meanScore: share((p) => p.score), right: share((p) => Number(p.right)) };
  });
}
