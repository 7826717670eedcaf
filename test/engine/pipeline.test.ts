/**
 * The whole pipeline in-thread on fake models (fixed ONNX outputs, test/engine/helpers/fake-models.ts): box
 * mapping back to the upload, thresholds, NMS, modes, region hints and the response invariants. Independent
 * of the trained models, so it runs everywhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInlineEngine } from '../../src/engine/engine-pool.js';
import { type LoadedModels, loadModels, ModelIntegrityError } from '../../src/engine/onnx-session.js';
import { DEFAULT_PIPELINE_CONFIG, recogniseWith } from '../../src/engine/pipeline.js';
import { loadRegionCatalog } from '../../src/engine/regions.js';
import { DEFAULT_RECOGNISE_OPTIONS, type Engine, type RecogniseOptions } from '../../src/engine/types.js';
import { InvalidImageError } from '../../src/errors.js';
import { writeFakeModels } from './helpers/fake-models.js';
import { solidJpeg } from './helpers/images.js';

const opts = (o: Partial<RecogniseOptions> = {}): RecogniseOptions => ({ ...DEFAULT_RECOGNISE_OPTIONS, ...o });

describe('pipeline on fake models', () => {
  let engine: Engine;
  let image: Buffer;

  beforeAll(async () => {
    // Reader says "7abc123" with a 30% doubt between '1' and 'i' at the 5th character.
    engine = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', { at: 4, alt: 'i', p: 0.3 }) });
    // 640x360: scale 1 in the native 640 pass and no second pass (nothing to gain from upscaling).
    image = await solidJpeg(640, 360);
  });

  it('maps boxes back to upload pixels from both regular passes, suppresses duplicates, drops padding', async () => {
    const r = await engine.recognise(await solidJpeg(1280, 720), opts());
    expect([r.width, r.height]).toEqual([1280, 720]);
    // The fake detector answers [100,200,180,230] whatever its input: at 640 (scale 0.5) and at 1280
    // (scale 1) that is two different places in the upload, both kept; the 0.6 duplicates are suppressed. The
    // 0.8 row [300,560,350,580] lies in the 640 canvas's padding but inside the 1280 one.
    expect(r.plates.map((p) => p.box)).toEqual([
      { xmin: 200, ymin: 400, xmax: 360, ymax: 460 },
      { xmin: 100, ymin: 200, xmax: 180, ymax: 230 },
      { xmin: 300, ymin: 560, xmax: 350, ymax: 580 },
    ]);
    expect(r.plates[0]?.dscore).toBeCloseTo(0.9, 5);
  });

  it('caps the larger pass at the image size unless upsampling is allowed (ENGINE_UPSAMPLE)', async () => {
    const photo = await solidJpeg(800, 600);
    // [100,200,180,230] from the 640 pass (scale 0.8) and from the capped 800 pass (scale 1), where the
    // 0.8 row [300,560,350,580] also lands inside the image ...
    expect((await engine.recognise(photo, opts())).plates.map((p) => p.box)).toEqual([
      { xmin: 125, ymin: 250, xmax: 225, ymax: 288 },
      { xmin: 100, ymin: 200, xmax: 180, ymax: 230 },
      { xmin: 300, ymin: 560, xmax: 350, ymax: 580 },
    ]);
    // ... or from the 1280 pass (scale 1.6) when upsampling is allowed.
    const upsampling = await createInlineEngine({ modelsDir: writeFakeModels('7abc123'), upsampleSecondPass: true });
    expect((await upsampling.recognise(photo, opts())).plates.map((p) => p.box)).toEqual([
      { xmin: 125, ymin: 250, xmax: 225, ymax: 288 },
      { xmin: 63, ymin: 125, xmax: 113, ymax: 144 },
      { xmin: 188, ymin: 350, xmax: 219, ymax: 363 },
    ]);
  });

  it('runs one pass on images no larger than the native size', async () => {
    const r = await engine.recognise(image, opts());
    expect(r.plates.map((p) => p.box)).toEqual([{ xmin: 100, ymin: 200, xmax: 180, ymax: 230 }]);
  });

  it('returns the contract fields: lower-case plate = candidates[0], scores in [0,1], zero vehicle', async () => {
    const p = (await engine.recognise(image, opts())).plates[0];
    expect(p?.plate).toBe('7abc123');
    expect(p?.candidates[0]).toEqual({ plate: p?.plate, score: p?.score });
    expect(p?.candidates.length).toBeLessThanOrEqual(10);
    expect(p?.candidates[1]?.plate).toBe('7abci23');
    for (const c of p?.candidates ?? []) expect(c.score).toBeGreaterThan(0);
    expect(p?.score).toBeLessThanOrEqual(1);
    expect(p?.region.code).toBe('us-ca');
  });

  it('reports timings per stage', async () => {
    const { timings: t } = await engine.recognise(image, opts());
    expect(t.totalMs).toBeGreaterThan(0);
    expect(t.modelMs).toBeLessThanOrEqual(t.totalMs);
    expect(t.vehicleMs).toBeGreaterThan(0);
    expect(t.decodeMs + t.detectMs + t.vehicleMs + t.readMs).toBeCloseTo(t.totalMs, 0);
  });

  it('threshold_d: a high threshold drops the plate, a low one keeps the weak box too', async () => {
    expect((await engine.recognise(image, opts({ thresholdD: 0.95 }))).plates).toHaveLength(0);
    const low = await engine.recognise(image, opts({ thresholdD: 0.01 }));
    expect(low.plates.map((p) => p.dscore)).toEqual([expect.closeTo(0.9, 5), expect.closeTo(0.05, 5)]);
  });

  it('redaction mode lowers the default detection threshold (0.3 -> 0.15), not below 0.05 here', async () => {
    expect((await engine.recognise(image, opts({ mode: 'redaction' }))).plates).toHaveLength(1);
    expect((await engine.recognise(image, opts({ mode: 'redaction', thresholdD: 0.01 }))).plates).toHaveLength(2);
  });

  it('redaction mode adds a full-resolution pass on a 1080p frame', async () => {
    const frame = await solidJpeg(1920, 1080);
    const boxes = (r: { plates: Array<{ box: unknown }> }) => r.plates.map((p) => p.box);
    // The fake rows land at x3 (640 pass), x1.5 (1280) and x1 (1920); the 0.8 row [300,560,350,580] lies in
    // the 640 canvas's padding only.
    const redaction = boxes(await engine.recognise(frame, opts({ mode: 'redaction' })));
    expect(redaction).toHaveLength(5);
    expect(redaction).toEqual(
      expect.arrayContaining([
        { xmin: 300, ymin: 600, xmax: 540, ymax: 690 },
        { xmin: 150, ymin: 300, xmax: 270, ymax: 345 },
        { xmin: 450, ymin: 840, xmax: 525, ymax: 870 },
        { xmin: 100, ymin: 200, xmax: 180, ymax: 230 },
        { xmin: 300, ymin: 560, xmax: 350, ymax: 580 },
      ]),
    );
    expect(boxes(await engine.recognise(frame, opts()))).toHaveLength(3);
  });

  it('fast mode maps boxes through the 416 letterbox and the shrink-on-load', async () => {
    const big = await solidJpeg(3840, 2160); // decoded at 1/4: 960x540
    const r = await engine.recognise(big, opts({ mode: 'fast' }));
    expect([r.width, r.height]).toEqual([3840, 2160]);
    // [100,200,180,230] at 416 for 3840 wide: x scale 3840/416, y 2160/234 (the tight letterbox's inner height).
    const s = 3840 / 416;
    expect(r.plates[0]?.box).toEqual({ xmin: Math.round(100 * s), ymin: Math.round(200 * (2160 / 234)), xmax: Math.round(180 * s), ymax: Math.round(230 * (2160 / 234)) });
  });

  it('drops reads scoring under 0.25 unless threshold_o says otherwise, and keeps them in redaction', async () => {
    // Each character at 0.55 in its frame: the whole plate comes out at about 0.55^7 = 0.015 in every view,
    // 0.015^0.6 = 0.08 fused.
    const unsure = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, undefined, 0.55) });
    try {
      expect((await unsure.recognise(image, opts())).plates).toHaveLength(0);
      expect((await unsure.recognise(image, opts({ mode: 'fast' }))).plates).toHaveLength(0);
      const kept = await unsure.recognise(image, opts({ thresholdO: 0 }));
      expect(kept.plates.map((p) => p.plate)).toEqual(['7abc123']);
      expect(kept.plates[0]?.score).toBeLessThan(0.1);
      expect((await unsure.recognise(image, opts({ mode: 'redaction' }))).plates).toHaveLength(1);
    } finally {
      await unsure.close();
    }
  });

  it('reads a box under the recommended threshold tentatively: kept when it reads as a plate, else dropped', async () => {
    // 0.25 against the fake detector's recommended 0.3: a tentative box by default.
    const weakBox = [[100, 200, 180, 230, 0.25]];
    const sure = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, undefined, 0.97, undefined, weakBox) });
    const junk = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, undefined, 0.55, undefined, weakBox) });
    try {
      for (const mode of ['regular', 'fast'] as const) {
        const kept = await sure.recognise(image, opts({ mode }));
        expect(kept.plates.map((p) => [p.plate, p.dscore])).toEqual([['7abc123', expect.closeTo(0.25, 5)]]);
        // The junk read (~0.015) is under the tentative bar: dropped even with threshold_o 0.
        expect((await junk.recognise(image, opts({ mode, thresholdO: 0 }))).plates).toHaveLength(0);
      }
      // A caller's threshold_d makes it a detection like any other.
      expect((await junk.recognise(image, opts({ thresholdD: 0.2, thresholdO: 0 }))).plates).toHaveLength(1);
      expect((await sure.recognise(image, opts({ thresholdD: 0.3 }))).plates).toHaveLength(0);
    } finally {
      await sure.close();
      await junk.close();
    }
  });

  it('threshold_o drops reads below it', async () => {
    expect((await engine.recognise(image, opts({ thresholdO: 0.99 }))).plates).toHaveLength(0);
    expect((await engine.recognise(image, opts({ thresholdO: 0.1 }))).plates).toHaveLength(1);
  });

  it('text_formats re-rank and, with region strict, filter', async () => {
    const boosted = await engine.recognise(image, opts({ textFormats: ['\\d[a-z]{4}\\d{2}'] }));
    expect(boosted.plates[0]?.plate).toBe('7abci23');
    // threshold_o weighs the plate's best read (7abc123, 0.62), not the promoted candidate (7abci23, 0.38).
    const promoted = await engine.recognise(image, opts({ textFormats: ['\\d[a-z]{4}\\d{2}'], thresholdO: 0.5 }));
    expect(promoted.plates.map((p) => [p.plate, p.score < 0.5])).toEqual([['7abci23', true]]);
    expect((await engine.recognise(image, opts({ textFormats: ['\\d[a-z]{4}\\d{2}'], thresholdO: 0.7 }))).plates).toHaveLength(0);
    const strict = await engine.recognise(image, opts({ textFormats: ['[a-z]{7}'], regionStrict: true }));
    expect(strict.plates).toHaveLength(0);
  });

  it('region strict drops plates that fit no hinted region', async () => {
    expect((await engine.recognise(image, opts({ regions: ['br'], regionStrict: true }))).plates).toHaveLength(0);
    const ok = await engine.recognise(image, opts({ regions: ['us-ca'], regionStrict: true }));
    expect(ok.plates[0]?.region.code).toBe('us-ca');
    expect(ok.plates[0]?.candidates.every((c) => /^\d[a-z]{3}\d{3}$|^\d[a-z]\d{5}$|^\d{2}[a-z]\d{5}$|^[a-z]{3}\d{3}$/.test(c.plate))).toBe(true);
  });

  it('predicts the region from the text and, with a plate-style model, from how the plate looks', async () => {
    // abc1234 fits a dozen US states, Brazil's grey series and Greece: the text alone says `us`.
    expect((await engine.recognise(image, opts())).plates[0]?.region.code).toBe('us-ca'); // 7abc123: California's
    const textOnly = await createInlineEngine({ modelsDir: writeFakeModels('abc1234') });
    const brazilian = await createInlineEngine({ modelsDir: writeFakeModels('abc1234', undefined, undefined, undefined, [0.03, 0.95, 0.02]) });
    try {
      expect((await textOnly.recognise(image, opts())).plates[0]?.region.code).toBe('us');
      const r = await brazilian.recognise(image, opts());
      expect(r.plates[0]?.region.code).toBe('br');
      expect(r.plates[0]?.plate).toBe('abc1234'); // a read that fits the look stays as read
      expect(r.timings.modelMs).toBeGreaterThan(0);
    } finally {
      await textOnly.close();
      await brazilian.close();
    }
  });

  it('without hints, re-ranks the candidates towards the formats of the style the plate shows', async () => {
    // Reader: abci234 first, abc1234 (Brazil's LLLDDDD) second at 0.3 doubt on the 4th character.
    const doubt = { at: 3, alt: '1', p: 0.3 };
    const plain = await createInlineEngine({ modelsDir: writeFakeModels('abci234', doubt) });
    const brazilian = await createInlineEngine({ modelsDir: writeFakeModels('abci234', doubt, undefined, undefined, [0.03, 0.95, 0.02]) });
    try {
      expect((await plain.recognise(image, opts())).plates[0]?.plate).toBe('abci234');
      const r = await brazilian.recognise(image, opts());
      expect(r.plates[0]?.plate).toBe('abc1234');
      expect(r.plates[0]?.region.code).toBe('br');
      // A hint outranks the look: California's formats fit neither, so the reader's order stands.
      expect((await brazilian.recognise(image, opts({ regions: ['us-ca'] }))).plates[0]?.plate).toBe('abci234');
    } finally {
      await plain.close();
      await brazilian.close();
    }
  });

  it('throws InvalidImageError for bad bytes', async () => {
    await expect(engine.recognise(Buffer.from('nope'), opts())).rejects.toBeInstanceOf(InvalidImageError);
  });
});

describe('vehicles on fake models', () => {
  const ZERO = { score: 0, type: 'Unknown', box: { xmin: 0, ymin: 0, xmax: 0, ymax: 0 } };
  // 640x360: the plate pass runs at scale 1, the vehicle pass (320) at 0.5, so FAKE_VEHICLES double.
  const CARRIER = { xmin: 40, ymin: 80, xmax: 240, ymax: 260 };
  const LONE = { xmin: 300, ymin: 200, xmax: 500, ymax: 340 };
  let engine: Engine;
  let image: Buffer;

  beforeAll(async () => {
    engine = await createInlineEngine({ modelsDir: writeFakeModels() });
    image = await solidJpeg(640, 360);
  });

  it('pairs the plate with the vehicle around it: calibrated score, type, box, orientation ranked', async () => {
    const v = (await engine.recognise(image, opts())).plates[0]?.vehicle;
    expect(v?.box).toEqual(CARRIER);
    expect(v?.score).toBeCloseTo(0.8, 5);
    expect(v?.type).toBe('Sedan');
    expect(v?.orientation?.map((o) => o.orientation)).toEqual(['Rear', 'Front', 'Unknown']);
    expect(v?.orientation?.[0]?.score).toBeCloseTo(0.8, 5);
  });

  it('answers Unknown below the manifest type_min_score', async () => {
    const dir = writeFakeModels();
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
    manifest['vehicle-attributes'] = { ...manifest['vehicle-attributes'], type_min_score: 0.75 };
    writeFileSync(path, JSON.stringify(manifest));
    const unsure = await createInlineEngine({ modelsDir: dir });
    expect((await unsure.recognise(image, opts())).plates[0]?.vehicle.type).toBe('Unknown');
  });

  it('a plate on no vehicle gets the zero vehicle; detection_rule strict drops it', async () => {
    const elsewhere = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, [[200, 20, 300, 60, 0.9]]) });
    const plain = await elsewhere.recognise(image, opts());
    expect(plain.plates).toHaveLength(1);
    expect(plain.plates[0]?.vehicle).toEqual(ZERO);
    expect((await elsewhere.recognise(image, opts({ detectionRule: 'strict' }))).plates).toHaveLength(0);
    expect((await engine.recognise(image, opts({ detectionRule: 'strict' }))).plates).toHaveLength(1);
  });

  it('a weak vehicle box counts when it carries a plate, and is never listed alone', async () => {
    const weak = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, [[20, 40, 120, 130, 0.3]]) });
    const r = await weak.recognise(image, opts({ detectionRule: 'strict', detectionMode: 'vehicle' }));
    expect(r.plates[0]?.vehicle.box).toEqual(CARRIER);
    expect(r.plates[0]?.vehicle.score).toBeCloseTo(0.3, 5);
    expect(r.vehicles).toEqual([]);
  });

  it('detection_mode vehicle also returns the confident vehicles that carry no plate', async () => {
    const r = await engine.recognise(image, opts({ detectionMode: 'vehicle' }));
    expect(r.vehicles.map((v) => v.box)).toEqual([LONE]);
    expect((await engine.recognise(image, opts())).vehicles).toEqual([]);
  });

  it('runs the vehicle model only once a plate is read, unless strict or vehicle mode needs it first', async () => {
    // Every read of this fake reader is ~0.015, under threshold_o: no plate comes back.
    const models = await loadModels(writeFakeModels('7abc123', undefined, undefined, 0.55), { intraOpNumThreads: 1 });
    const runs = { n: 0 };
    const vehicleDetector = models.vehicleDetector;
    const counted = { ...models, vehicleDetector: { run: (...a: Parameters<typeof vehicleDetector.run>) => { runs.n += 1; return vehicleDetector.run(...a); } } } as LoadedModels;
    const config = { ...DEFAULT_PIPELINE_CONFIG, modelsDir: '' };
    const catalog = loadRegionCatalog();
    expect((await recogniseWith(counted, catalog, config, image, opts())).plates).toHaveLength(0);
    expect(runs.n).toBe(0);
    // The same frame with threshold_o 0 keeps the read, and the vehicle model pairs it.
    expect((await recogniseWith(counted, catalog, config, image, opts({ thresholdO: 0 }))).plates[0]?.vehicle.box).toEqual(CARRIER);
    expect(runs.n).toBe(1);
    for (const o of [{ detectionRule: 'strict' as const }, { detectionMode: 'vehicle' as const }]) {
      await recogniseWith(counted, catalog, config, image, opts(o));
    }
    expect(runs.n).toBe(3);
  });

  it('fast mode skips the vehicle model unless strict, vehicle mode or mmc needs it', async () => {
    // Fast reads plates at 416, elsewhere in the upload: a vehicle filling the frame carries them anyway.
    const frame = await createInlineEngine({ modelsDir: writeFakeModels('7abc123', undefined, [[0, 0, 320, 180, 0.9]]) });
    const fast = await frame.recognise(image, opts({ mode: 'fast' }));
    expect(fast.plates[0]?.vehicle).toEqual(ZERO);
    for (const extra of [{ detectionRule: 'strict' as const }, { detectionMode: 'vehicle' as const }, { mmc: true }]) {
      const r = await frame.recognise(image, opts({ mode: 'fast', ...extra }));
      expect(r.plates[0]?.vehicle.box).toEqual({ xmin: 0, ymin: 0, xmax: 640, ymax: 360 });
    }
  });
});

describe('model loading', () => {
  it('uses the manifest alphabet lower-cased, and refuses one that does not fit the reader output', async () => {
    const dir = writeFakeModels('abc1234');
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
    manifest['plate-reader'] = { ...manifest['plate-reader'], output: { blank: 0, alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ' } };
    writeFileSync(path, JSON.stringify(manifest));
    const upper = await createInlineEngine({ modelsDir: dir });
    expect((await upper.recognise(await solidJpeg(1280, 720), opts())).plates[0]?.plate).toBe('abc1234');

    const bad = writeFakeModels('abc1234');
    const badPath = join(bad, 'manifest.json');
    const m2 = JSON.parse(readFileSync(badPath, 'utf8')) as Record<string, Record<string, unknown>>;
    m2['plate-reader'] = { ...m2['plate-reader'], output: { alphabet: 'ABC' } };
    writeFileSync(badPath, JSON.stringify(m2));
    const wrong = await createInlineEngine({ modelsDir: bad });
    await expect(wrong.recognise(await solidJpeg(1280, 720), opts())).rejects.toThrow(/alphabet/);
  });

  it('reports dscore through the manifest calibration, and reads threshold_d in those terms', async () => {
    const dir = writeFakeModels('abc1234');
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
    manifest['plate-detector'] = { ...manifest['plate-detector'], calibration: { a: 2, b: 0 } };
    writeFileSync(path, JSON.stringify(manifest));
    const calibrated = await createInlineEngine({ modelsDir: dir });
    const image = await solidJpeg(640, 360);
    // raw 0.9 -> sigmoid(2 * logit(0.9)) = 0.81 / 0.82
    expect((await calibrated.recognise(image, opts())).plates[0]?.dscore).toBeCloseTo(0.81 / 0.82, 6);
    // threshold_d 0.95 (calibrated) is raw ~0.81: the raw-0.9 plate stays; 0.99 is raw ~0.91: it goes.
    expect((await calibrated.recognise(image, opts({ thresholdD: 0.95 }))).plates).toHaveLength(1);
    expect((await calibrated.recognise(image, opts({ thresholdD: 0.99 }))).plates).toHaveLength(0);
  });

  it('refuses a model whose sha256 does not match the manifest', async () => {
    const dir = writeFakeModels();
    writeFileSync(join(dir, 'read.onnx'), Buffer.from('tampered'));
    await expect(loadModels(dir, { intraOpNumThreads: 1 })).rejects.toBeInstanceOf(ModelIntegrityError);
  });
});
