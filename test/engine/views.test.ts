import { describe, expect, it } from 'vitest';
import { FUSED_SCORE_POWER, fuseViews } from '../../src/engine/views.js';

describe('fuseViews', () => {
  it('averages each plate over the views, counting a view that did not propose it as 0', () => {
    const fused = fuseViews(
      [
        [
          { plate: 'tnp222', score: 0.5 },
          { plate: 'inp222', score: 0.4 },
        ],
        [{ plate: 'inp222', score: 0.9 }],
        [
          { plate: 'tnp222', score: 0.7 },
          { plate: 'inp222', score: 0.2 },
        ],
      ],
      10,
    );
    expect(fused.map((c) => c.plate)).toEqual(['inp222', 'tnp222']);
    expect(fused[0]?.score).toBeCloseTo(0.5 ** FUSED_SCORE_POWER, 10);
    expect(fused[1]?.score).toBeCloseTo(0.4 ** FUSED_SCORE_POWER, 10);
  });

  it('settles a character one view gets wrong by the views that agree', () => {
    const agree = [{ plate: '7eav033', score: 0.6 }, { plate: 'zeav033', score: 0.2 }];
    const fused = fuseViews([[{ plate: 'zeav033', score: 0.8 }, { plate: '7eav033', score: 0.15 }], agree, agree], 10);
    expect(fused[0]?.plate).toBe('7eav033');
  });

  it('keeps a plate list distinct, sorted and at most topK long', () => {
    const many = (offset: number) => Array.from({ length: 10 }, (_, i) => ({ plate: `p${i + offset}`, score: 0.09 - i * 0.005 }));
    const fused = fuseViews([many(0), many(5)], 10);
    expect(fused).toHaveLength(10);
    expect(new Set(fused.map((c) => c.plate)).size).toBe(10);
    for (let i = 1; i < fused.length; i++) expect((fused[i - 1]?.score ?? 0) >= (fused[i]?.score ?? 0)).toBe(true);
  });

  it('passes a single view through unchanged', () => {
    const one = [{ plate: 'abc123', score: 0.9 }];
    expect(fuseViews([one], 10)).toEqual(one);
  });
});
