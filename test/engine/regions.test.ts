import { describe, expect, it } from 'vitest';
import { predictRegion } from '../../src/engine/region-predict.js';
import {
  applyConstraints,
  compileTextFormats,
  loadRegionCatalog,
  matchesConstraints,
  rankByLooks,
  resolveHints,
} from '../../src/engine/regions.js';
import { BadRequestError } from '../../src/errors.js';

const catalog = loadRegionCatalog();
const hints = (...codes: string[]) => ({ regions: resolveHints(catalog, codes), textFormats: [] });

describe('region catalogue', () => {
  it('loads every country file with anchored, valid patterns', () => {
    const codes = catalog.regions.map((r) => r.code);
    for (const c of ['us-ca', 'us-ny', 'us-tx', 'us-dc', 'ca-on', 'ca-qc', 'br', 'mx', 'gb', 'de', 'fr', 'it', 'es', 'nl', 'pl', 'ro', 'pt', 'be', 'au-nsw', 'in']) {
      expect(codes).toContain(c);
    }
    expect(codes.filter((c) => c.startsWith('us-')).length).toBeGreaterThanOrEqual(51);
    // Anchored: a valid plate inside a longer string does not match.
    expect(matchesConstraints('xabc1d23', hints('br'))).toBe(false);
  });

  it('resolves country hints to their states and ignores unknown codes', () => {
    expect(resolveHints(catalog, ['us']).length).toBeGreaterThanOrEqual(51);
    expect(resolveHints(catalog, ['US-CA']).map((r) => r.code)).toEqual(['us-ca']);
    expect(resolveHints(catalog, ['zz'])).toEqual([]);
  });

  it('matches known formats', () => {
    expect(matchesConstraints('abc1d23', hints('br'))).toBe(true); // Mercosur
    expect(matchesConstraints('abc1234', hints('br'))).toBe(true); // old series
    expect(matchesConstraints('7abc123', hints('us-ca'))).toBe(true);
    expect(matchesConstraints('ab12cde', hints('gb'))).toBe(true);
    expect(matchesConstraints('1234bcd', hints('es'))).toBe(true);
    expect(matchesConstraints('1234abc', hints('es'))).toBe(false); // Spanish series skips vowels
    expect(matchesConstraints('7abc123', hints('br'))).toBe(false);
  });
});

describe('applyConstraints', () => {
  const cands = [
    { plate: 'abc1d2', score: 0.5 },
    { plate: 'abc1d23', score: 0.2 },
    { plate: 'abcid23', score: 0.1 },
  ];

  it('leaves candidates alone without hints', () => {
    expect(applyConstraints(cands, hints(), false)).toEqual(cands);
  });

  it('boosts a matching candidate over a more probable mismatch', () => {
    const r = applyConstraints(cands, hints('br'), false);
    expect(r?.map((c) => c.plate)).toEqual(['abc1d23', 'abc1d2', 'abcid23']);
    expect(r?.[0]?.score).toBe(0.2); // scores stay probabilities
  });

  it('keeps a mismatch first when it is far more probable than any match', () => {
    const r = applyConstraints([{ plate: 'abc1d2', score: 0.9 }, { plate: 'abc1d23', score: 0.05 }], hints('br'), false);
    expect(r?.[0]?.plate).toBe('abc1d2');
  });

  it('strict keeps only matches, and drops the plate when none match', () => {
    expect(applyConstraints(cands, hints('br'), true)?.map((c) => c.plate)).toEqual(['abc1d23']);
    expect(applyConstraints(cands, hints('gb'), true)).toBeNull();
  });

  it('strict with only unknown region codes cannot filter and keeps everything', () => {
    expect(applyConstraints(cands, hints('zz'), true)).toHaveLength(3);
  });

  it('text formats boost and filter like regions', () => {
    const tf = { regions: [], textFormats: compileTextFormats(['[a-z]{5}\\d{2}']) };
    expect(applyConstraints(cands, tf, false)?.[0]?.plate).toBe('abcid23');
    expect(applyConstraints(cands, tf, true)?.map((c) => c.plate)).toEqual(['abcid23']);
    const none = { regions: [], textFormats: compileTextFormats(['\\d{7}']) };
    expect(applyConstraints(cands, none, true)).toBeNull();
  });

  it('regions and text formats together accept a candidate matching either', () => {
    const both = { regions: resolveHints(catalog, ['br']), textFormats: compileTextFormats(['[a-z]{5}\\d{2}']) };
    expect(applyConstraints(cands, both, true)?.map((c) => c.plate)).toEqual(['abc1d23', 'abcid23']);
  });

  it('rejects invalid text formats as a bad request', () => {
    expect(() => compileTextFormats(['[a-z'])).toThrow(BadRequestError);
    expect(() => compileTextFormats(['a'.repeat(500)])).toThrow(BadRequestError);
  });
});

describe('rankByLooks', () => {
  const read = [
    { plate: 'abci234', score: 0.6 }, // no Brazilian format has a letter there
    { plate: 'abc1234', score: 0.35 },
  ];
  const looks = (na: number, br: number, eu: number) => new Map([['na', na], ['br', br], ['eu', eu]]);

  it('prefers the candidates the formats of the style the plate shows allow', () => {
    expect(rankByLooks(read, looks(0.03, 0.95, 0.02), catalog).map((c) => c.plate)).toEqual(['abc1234', 'abci234']);
    expect(rankByLooks(read, looks(0.03, 0.95, 0.02), catalog).map((c) => c.score)).toEqual([0.35, 0.6]); // order, not numbers
  });

  it('keeps the reader\'s order without evidence, with unknown styles, or when the look fits both', () => {
    expect(rankByLooks(read, undefined, catalog)).toEqual(read);
    expect(rankByLooks(read, new Map([['xx', 1]]), catalog)).toEqual(read);
    const both = [
      { plate: '7abc123', score: 0.5 },
      { plate: '7abc128', score: 0.4 },
    ];
    expect(rankByLooks(both, looks(0.95, 0.03, 0.02), catalog)).toEqual(both);
  });
});

describe('predictRegion', () => {
  it('names a country whose format is distinctive', () => {
    expect(predictRegion('abc1d23', catalog, []).code).toBe('br');
    expect(predictRegion('ka01ab1234', catalog, []).code).toBe('in');
    expect(predictRegion('ab12cde', catalog, []).code).toBe('gb');
  });

  it('names a state only when one dominates its country', () => {
    expect(predictRegion('7abc123', catalog, []).code).toBe('us-ca');
    // LLLDDDD is shared by a dozen states (and Brazil, Greece): the answer is the country, with a low score.
    const p = predictRegion('abc1234', catalog, []);
    expect(p.code).toBe('us');
    expect(p.score).toBeLessThan(0.5);
  });

  it('prefers hinted regions and is more confident with them', () => {
    const free = predictRegion('abc1234', catalog, []);
    const hinted = predictRegion('abc1234', catalog, resolveHints(catalog, ['br']), ['br']);
    expect(hinted.code).toBe('br');
    expect(hinted.score).toBeGreaterThan(free.score);
    expect(predictRegion('abc1234', catalog, resolveHints(catalog, ['us-ny']), ['us-ny']).code).toBe('us-ny');
  });

  it('falls back to the text when no hint fits, then to the first hint, then to unknown', () => {
    expect(predictRegion('abc1d23', catalog, resolveHints(catalog, ['gb']), ['gb']).code).toBe('br');
    expect(predictRegion('zzzzzzzzzzzz', catalog, resolveHints(catalog, ['gb']), ['gb'])).toEqual({ code: 'gb', score: 0.05 });
    expect(predictRegion('zzzzzzzzzzzz', catalog, [])).toEqual({ code: 'unknown', score: 0 });
  });

  it('weighs the formats by how the plate looks (plate-style evidence)', () => {
    const looks = (na: number, br: number, eu: number) => new Map([['na', na], ['br', br], ['eu', eu]]);
    // abc1234: a dozen US states, Brazil's grey series, Greece. A Brazilian-looking plate is Brazilian.
    const br = predictRegion('abc1234', catalog, [], [], looks(0.03, 0.95, 0.02));
    expect(br.code).toBe('br');
    expect(br.score).toBeGreaterThan(0.7); // countries with no style (ph, my...) keep an even share
    expect(predictRegion('abc1234', catalog, [], [], looks(0.95, 0.03, 0.02)).code).toBe('us');
    // A European look with the same text: a European country with that format (Germany's, Greece's).
    const eu = predictRegion('abc1234', catalog, [], [], looks(0.02, 0.03, 0.95)).code;
    expect(catalog.byCode.get(eu)?.style).toBe('eu');
    // Even evidence changes nothing against the text alone; unknown style names count as no evidence.
    expect(predictRegion('abc1234', catalog, [], [], looks(1 / 3, 1 / 3, 1 / 3))).toEqual(predictRegion('abc1234', catalog, []));
    expect(predictRegion('abc1234', catalog, [], [], new Map([['xx', 0.9], ['yy', 0.1]]))).toEqual(predictRegion('abc1234', catalog, []));
    // A hint still wins over the look, as it does over the text.
    expect(predictRegion('abc1234', catalog, resolveHints(catalog, ['us-ny']), ['us-ny'], looks(0.03, 0.95, 0.02)).code).toBe('us-ny');
  });

  it('lets the looks name the country of a plate whose text fits none of its formats (vanity plates, misreads)', () => {
    const looks = (na: number, br: number, eu: number) => new Map([['na', na], ['br', br], ['eu', eu]]);
    // A Californian vanity plate: by its text alone a Polish plate, and a sure one.
    expect(predictRegion('bl0gger', catalog, []).code).toBe('pl');
    const vanity = predictRegion('bl0gger', catalog, [], [], looks(0.95, 0.03, 0.02));
    expect(vanity.code).toBe('us');
    expect(vanity.score).toBeLessThan(0.9);
    // A text no format takes: unknown from the text alone, the looks' country (unsurely) with them.
    expect(predictRegion('squaw', catalog, [])).toEqual({ code: 'unknown', score: 0 });
    const seen = predictRegion('squaw', catalog, [], [], looks(0.95, 0.03, 0.02));
    expect(seen.code).toBe('us');
    expect(seen.score).toBeLessThan(0.8);
    // A text that does fit the looked-at style's formats is decided as before, states included.
    expect(predictRegion('7abc123', catalog, [], [], looks(0.95, 0.03, 0.02)).code).toBe('us-ca');
    // A hint whose formats do not take the text still leaves it to every region, looks or not.
    expect(predictRegion('abc1d23', catalog, resolveHints(catalog, ['gb']), ['gb'], looks(0.3, 0.6, 0.1)).code).toBe('br');
  });

  it('keeps scores in [0, 1)', () => {
    for (const p of ['abc1234', 'abc1d23', '7abc123', '1234bcd', 'ab123cd', '123']) {
      const s = predictRegion(p, catalog, []).score;
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(1);
    }
  });
});
