/**
 * CTC decoding of the reader's output: per-frame log-probabilities [T, C] with class 0 = blank and class i
 * = ALPHABET[i-1]. Plates are returned lower-case (the wire format is lower-case).
 */
import type { Candidate } from './types.js';

export const READER_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const NEG_INF = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * Renormalise each frame so it sums to one. A no-op for log-softmax output (the contract), and makes raw
 * logits usable too, so a model exported without the final log_softmax still yields probabilities in [0,1].
 */
export function logSoftmaxFrames(frames: Float32Array, numClasses: number): Float32Array {
  const out = new Float32Array(frames.length);
  for (let o = 0; o + numClasses <= frames.length; o += numClasses) {
    let m = NEG_INF;
    for (let c = 0; c < numClasses; c++) m = Math.max(m, frames[o + c] ?? NEG_INF);
    let s = 0;
    for (let c = 0; c < numClasses; c++) s += Math.exp((frames[o + c] ?? NEG_INF) - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < numClasses; c++) out[o + c] = (frames[o + c] ?? NEG_INF) - lse;
  }
  return out;
}

/** The most probable class of the frame starting at `offset`. */
export function frameArgmax(logProbs: Float32Array, offset: number, numClasses: number): number {
  let best = 0;
  let bestLp = logProbs[offset] ?? NEG_INF;
  for (let c = 1; c < numClasses; c++) {
    const lp = logProbs[offset + c] ?? NEG_INF;
    if (lp > bestLp) {
      best = c;
      bestLp = lp;
    }
  }
  return best;
}

/** Best path decoding: argmax per frame, merge repeats, drop blanks. Score = probability of that path. */
export function ctcGreedyDecode(logProbs: Float32Array, numClasses: number, alphabet = READER_ALPHABET): Candidate {
  let plate = '';
  let logp = 0;
  let prev = 0;
  for (let o = 0; o + numClasses <= logProbs.length; o += numClasses) {
    const best = frameArgmax(logProbs, o, numClasses);
    logp += logProbs[o + best] ?? NEG_INF;
    if (best !== 0 && best !== prev) plate += alphabet[best - 1] ?? '';
    prev = best;
  }
  return { plate, score: Math.exp(logp) };
}

export interface BeamOptions {
  beamWidth: number;
  /** Candidates returned at most (the vendor returns up to 10). */
  topK: number;
  /** Skip characters below this log-probability in a frame: they cannot reach the top-k but cost time. */
  pruneLogProb: number;
}

export const DEFAULT_BEAM: BeamOptions = { beamWidth: 24, topK: 10, pruneLogProb: Math.log(1e-4) };

interface Beam {
  /** log P(prefix, path ends in blank) and log P(prefix, path ends in its last character). */
  pb: number;
  pnb: number;
}

/**
 * CTC prefix beam search. Each candidate's score is the probability of its label sequence summed over all
 * alignments kept in the beam (so it is >= the greedy path probability for the same text), in [0,1].
 * Candidates are distinct and sorted by descending score; the empty read is left out.
 */
export function ctcBeamSearch(
  logProbs: Float32Array,
  numClasses: number,
  options: Partial<BeamOptions> = {},
  alphabet = READER_ALPHABET,
): Candidate[] {
  const { beamWidth, topK, pruneLogProb } = { ...DEFAULT_BEAM, ...options };
  // Prefixes are keyed by their text; `last` caches the class of the final character.
  let beams = new Map<string, Beam & { last: number }>([['', { pb: 0, pnb: NEG_INF, last: 0 }]]);
  for (let o = 0; o + numClasses <= logProbs.length; o += numClasses) {
    const next = new Map<string, Beam & { last: number }>();
    const at = (key: string, last: number): Beam & { last: number } => {
      let b = next.get(key);
      if (!b) {
        b = { pb: NEG_INF, pnb: NEG_INF, last };
        next.set(key, b);
      }
      return b;
    };
    const blank = logProbs[o] ?? NEG_INF;
    for (const [prefix, b] of beams) {
      const total = logAdd(b.pb, b.pnb);
      const same = at(prefix, b.last);
      same.pb = logAdd(same.pb, total + blank);
      // Repeating the last character without a blank in between collapses into the same prefix.
      if (b.last !== 0) same.pnb = logAdd(same.pnb, b.pnb + (logProbs[o + b.last] ?? NEG_INF));
      for (let c = 1; c < numClasses; c++) {
        const lp = logProbs[o + c] ?? NEG_INF;
        if (lp < pruneLogProb) continue;
        const ext = at(prefix + (alphabet[c - 1] ?? '?'), c);
        // A doubled character ("aa") needs a blank between its two runs.
        ext.pnb = logAdd(ext.pnb, (c === b.last ? b.pb : total) + lp);
      }
    }
    beams = new Map(
      [...next.entries()].sort((x, y) => logAdd(y[1].pb, y[1].pnb) - logAdd(x[1].pb, x[1].pnb)).slice(0, beamWidth),
    );
  }
  const out: Candidate[] = [];
  for (const [plate, b] of beams) {
    const score = Math.min(1, Math.exp(logAdd(b.pb, b.pnb)));
    // Impossible prefixes (e.g. a doubled letter with no frame left for the blank) carry probability 0.
    if (plate === '' || !(score > 0)) continue;
    out.push({ plate, score });
    if (out.length >= topK) break;
  }
  return out;
}
