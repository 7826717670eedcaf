/** The per-thread buffer pool for detector tensors (src/engine/tensor-pool.ts). */
import { describe, expect, it } from 'vitest';
import { computeLetterbox, packLetterboxTensor } from '../../src/engine/letterbox.js';
import { borrowFloat32, returnFloat32 } from '../../src/engine/tensor-pool.js';

describe('tensor pool', () => {
  it('lends a returned buffer again, and never the same buffer to two borrowers at once', () => {
    const a = borrowFloat32(1000);
    const b = borrowFloat32(1000);
    expect(b).not.toBe(a);
    returnFloat32(a);
    returnFloat32(b); // one kept per size: b is dropped
    expect(borrowFloat32(1000)).toBe(a);
    expect(borrowFloat32(1000)).not.toBe(a);
  });

  it('keeps a bounded number of sizes, dropping the oldest', () => {
    const bufs = [11, 12, 13, 14, 15].map((n) => borrowFloat32(n));
    for (const buf of bufs) returnFloat32(buf);
    expect(borrowFloat32(11)).not.toBe(bufs[0]);
    expect(borrowFloat32(15)).toBe(bufs[4]);
  });

  it('a reused, dirty buffer packs to exactly the fresh tensor (padding included)', () => {
    const lb = computeLetterbox(50, 30, 64, true);
    const pixels = Uint8Array.from({ length: lb.innerWidth * lb.innerHeight * 3 }, (_, i) => (i * 37) % 256);
    const fresh = packLetterboxTensor(pixels, lb);
    const dirty = new Float32Array(fresh.length).fill(7);
    expect(packLetterboxTensor(pixels, lb, 3, 0.5, dirty)).toEqual(fresh);
    expect(() => packLetterboxTensor(pixels, lb, 3, 0.5, new Float32Array(fresh.length + 1))).toThrow(RangeError);
  });
});
