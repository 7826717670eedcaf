import { describe, expect, it } from 'vitest';
import { ctcBeamSearch, ctcGreedyDecode, logSoftmaxFrames } from '../../src/engine/ctc.js';

/** Tiny alphabet for hand-built matrices: class 0 blank, 1 'a', 2 'b'. */
const AB = 'ab';
const C = 3;
const lp = (frames: number[][]): Float32Array => Float32Array.from(frames.flat().map(Math.log));

describe('ctcGreedyDecode', () => {
  it('merges repeats and drops blanks', () => {
    // a a - a b b -> "aab"
    const m = lp([
      [0.1, 0.8, 0.1],
      [0.1, 0.8, 0.1],
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
      [0.1, 0.1, 0.8],
    ]);
    const r = ctcGreedyDecode(m, C, AB);
    expect(r.plate).toBe('aab');
    expect(r.score).toBeCloseTo(0.8 ** 6, 6);
  });

  it('uses the reader alphabet by default (class i = alphabet[i-1], lower-case)', () => {
    const frames = new Float32Array(2 * 37).fill(Math.log(0.01 / 36));
    frames[11] = Math.log(0.99); // class 11 = 'a'
    frames[37 + 36] = Math.log(0.99); // class 36 = 'z'
    expect(ctcGreedyDecode(frames, 37).plate).toBe('az');
  });
});

describe('ctcBeamSearch', () => {
  it('sums alignments: finds the sequence the best single path misses', () => {
    // Best path is "-" "-" (0.6*0.6 = 0.36 -> empty), but "a" has 0.4*0.6 + 0.6*0.4 + 0.4*0.4 = 0.64.
    const m = lp([
      [0.6, 0.4, 0],
      [0.6, 0.4, 0],
    ]);
    expect(ctcGreedyDecode(m, C, AB).plate).toBe('');
    const beams = ctcBeamSearch(m, C, { beamWidth: 8, topK: 10, pruneLogProb: -Infinity }, AB);
    expect(beams[0]?.plate).toBe('a');
    expect(beams[0]?.score).toBeCloseTo(0.64, 6);
    // "aa" needs a blank between, impossible in 2 frames; the empty read is not a candidate.
    expect(beams.map((b) => b.plate)).toEqual(['a']);
  });

  it('returns distinct candidates ranked by probability that sum to at most 1', () => {
    const m = lp([
      [0.1, 0.6, 0.3],
      [0.9, 0.05, 0.05],
      [0.1, 0.3, 0.6],
    ]);
    const beams = ctcBeamSearch(m, C, { beamWidth: 16, topK: 10, pruneLogProb: -Infinity }, AB);
    expect(beams[0]?.plate).toBe('ab');
    expect(new Set(beams.map((b) => b.plate)).size).toBe(beams.length);
    const scores = beams.map((b) => b.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    expect(scores.reduce((s, x) => s + x, 0)).toBeLessThanOrEqual(1 + 1e-9);
    // Every 3-frame path that collapses to "ab": a-b, aab, abb, -ab, ab-.
    expect(beams[0]?.score).toBeCloseTo(0.6 * 0.9 * 0.6 + 0.6 * 0.05 * 0.6 * 2 + 0.1 * 0.05 * 0.6 + 0.6 * 0.05 * 0.1, 6);
    // With an unbounded beam the candidates and the empty read account for all the probability mass.
    const empty = 0.1 * 0.9 * 0.1;
    expect(scores.reduce((s, x) => s + x, 0) + empty).toBeCloseTo(1, 5);
    expect(beams.every((b) => b.score > 0)).toBe(true);
  });

  it('keeps doubled letters apart only across a blank', () => {
    const m = lp([
      [0.02, 0.97, 0.01],
      [0.97, 0.02, 0.01],
      [0.02, 0.97, 0.01],
    ]);
    expect(ctcBeamSearch(m, C, {}, AB)[0]?.plate).toBe('aa');
  });

  it('caps the number of candidates at topK', () => {
    const frames = Array.from({ length: 6 }, () => [0.34, 0.33, 0.33]);
    expect(ctcBeamSearch(lp(frames), C, { topK: 10 }, AB)).toHaveLength(10);
  });

  it('extends beams by at most maxLive characters per frame, the likeliest ones', () => {
    // A flat frame: 'b' (0.35) beats 'a' (0.3); with one live character per frame 'a' is never proposed.
    const m = lp([[0.35, 0.3, 0.35]]);
    expect(ctcBeamSearch(m, C, { maxLive: 2, pruneLogProb: -Infinity }, AB).map((b) => b.plate)).toEqual(['b', 'a']);
    expect(ctcBeamSearch(m, C, { maxLive: 1, pruneLogProb: -Infinity }, AB).map((b) => b.plate)).toEqual(['b']);
  });

  it('logSoftmaxFrames turns raw logits into log-probabilities and leaves log-softmax alone', () => {
    const raw = Float32Array.of(2, 1, 0);
    const n = logSoftmaxFrames(raw, 3);
    expect(Math.exp(n[0] ?? 0) + Math.exp(n[1] ?? 0) + Math.exp(n[2] ?? 0)).toBeCloseTo(1, 6);
    const again = logSoftmaxFrames(n, 3);
    expect(again[0]).toBeCloseTo(n[0] ?? 0, 6);
  });
});
