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
  /**
   * Characters extended by per frame at most, the likeliest first. A confident frame has one or two above
   * pruneLogProb; an unreadable crop's flat frames have dozens, and extending every beam by each made the
   * search ~20x slower on exactly the reads that end up discarded.
   */
  maxLive: number;
}

/**
 * 12 beams, not 24: on the end-to-end validation photos and the dev set every read and top-5 list came out the
 * same (scores within 0.001), for 45 % less search time (about 1.7 ms per dev photo, the search's cost growing
 * with beams x live characters per frame). 4 live characters instead of 8 changed a read.
 */
export const DEFAULT_BEAM: BeamOptions = { beamWidth: 12, topK: 10, pruneLogProb: Math.log(1e-4), maxLive: 8 };

interface Beam {
  prefix: string;
  /** log P(prefix, path ends in blank) and log P(prefix, path ends in its last character). */
  pb: number;
  pnb: number;
  /** Class of the prefix's final character (0 for the empty prefix). */
  last: number;
  /** logAdd(pb, pnb), settled once the frame is done. */
  total: number;
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
  const { beamWidth, topK, pruneLogProb, maxLive } = { ...DEFAULT_BEAM, ...options };
  let beams: Beam[] = [{ prefix: '', pb: 0, pnb: NEG_INF, last: 0, total: 0 }];
  // The characters worth extending by in the current frame: the same for every beam, so found once per frame.
  const live: number[] = [];
  for (let o = 0; o + numClasses <= logProbs.length; o += numClasses) {
    live.length = 0;
    for (let c = 1; c < numClasses; c++) if ((logProbs[o + c] ?? NEG_INF) >= pruneLogProb) live.push(c);
    if (live.length > maxLive) {
      live.sort((a, b) => (logProbs[o + b] ?? NEG_INF) - (logProbs[o + a] ?? NEG_INF));
      live.length = maxLive;
    }
    const next = new Map<string, Beam>();
    const at = (prefix: string, last: number): Beam => {
      let b = next.get(prefix);
      if (!b) {
        b = { prefix, pb: NEG_INF, pnb: NEG_INF, last, total: NEG_INF };
        next.set(prefix, b);
      }
      return b;
    };
    const blank = logProbs[o] ?? NEG_INF;
    for (const b of beams) {
      const same = at(b.prefix, b.last);
      same.pb = logAdd(same.pb, b.total + blank);
      // Repeating the last character without a blank in between collapses into the same prefix.
      if (b.last !== 0) same.pnb = logAdd(same.pnb, b.pnb + (logProbs[o + b.last] ?? NEG_INF));
      for (const c of live) {
        const ext = at(b.prefix + (alphabet[c - 1] ?? '?'), c);
        // A doubled character ("aa") needs a blank between its two runs.
        ext.pnb = logAdd(ext.pnb, (c === b.last ? b.pb : b.total) + (logProbs[o + c] ?? NEG_INF));
      }
    }
    const ranked = [...next.values()];
    for (const b of ranked) b.total = logAdd(b.pb, b.pnb);
    // A stable sort: ties keep the order the prefixes were first reached in.
    ranked.sort((x, y) => y.total - x.total);
    beams = ranked.length > beamWidth ? ranked.slice(0, beamWidth) : ranked;
  }
  const out: Candidate[] = [];
  for (const { prefix: plate, total } of beams) {
    const score = Math.min(1, Math.exp(total));
    // Impossible prefixes (e.g. a doubled letter with no frame left for the blank) carry probability 0.
    if (plate === '' || !(score > 0)) continue;
    out.push({ plate, score });
    if (out.length >= topK) break;
  }
  return out;
}
