/** The per-thread buffer pool for detector tensors (src/engine/tensor-pool.ts). */
import { describe, expect, it } from 'vitest';
import { computeLetterbox, packLetterboxPixels } from '../../src/engine/letterbox.js';
import { borrowBytes, returnBytes } from '../../src/engine/tensor-pool.js';

describe('tensor pool', () => {
  it('lends a returned buffer again, and never the same buffer to two borrowers at once', () => {
    const a = borrowBytes(1000);
    const b = borrowBytes(1000);
    expect(b).not.toBe(a);
    returnBytes(a);
    returnBytes(b); // one kept per size: b is dropped
    expect(borrowBytes(1000)).toBe(a);
    expect(borrowBytes(1000)).not.toBe(a);
  });

  it('keeps a bounded number of sizes, dropping the oldest', () => {
    const bufs = [11, 12, 13, 14, 15].map((n) => borrowBytes(n));
    for (const buf of bufs) returnBytes(buf);
    expect(borrowBytes(11)).not.toBe(bufs[0]);
    expect(borrowBytes(15)).toBe(bufs[4]);
  });

  it('a reused, dirty buffer packs to exactly the fresh canvas (padding included)', () => {
    const lb = computeLetterbox(50, 30, 64, true);
    const pixels = Uint8Array.from({ length: lb.innerWidth * lb.innerHeight * 3 }, (_, i) => (i * 37) % 256);
    const fresh = packLetterboxPixels(pixels, lb);
    const dirty = new Uint8Array(fresh.length).fill(7);
    expect(packLetterboxPixels(pixels, lb, dirty)).toEqual(fresh);
    expect(() => packLetterboxPixels(pixels, lb, new Uint8Array(fresh.length + 1))).toThrow(RangeError);
  });
});
