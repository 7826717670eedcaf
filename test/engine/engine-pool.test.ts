/**
 * The worker-thread engine on fake models: workers start from TypeScript sources (tsx loader), load models
 * before ready(), and typed errors survive the thread boundary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnginePool, type PooledEngine } from '../../src/engine/engine-pool.js';
import { DEFAULT_RECOGNISE_OPTIONS } from '../../src/engine/types.js';
import { BadRequestError, InvalidImageError, PayloadTooLargeError, ServiceUnavailableError } from '../../src/errors.js';
import { writeFakeModels } from './helpers/fake-models.js';
import { pngDeclaring, solidJpeg } from './helpers/images.js';

describe('createEnginePool', () => {
  let engine: PooledEngine;

  beforeAll(async () => {
    engine = createEnginePool({ modelsDir: writeFakeModels('ab12cde'), workers: 2, maxQueue: 4 });
    expect(engine.ready()).toBe(false);
    await engine.started;
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('is ready once the workers loaded the models', () => {
    expect(engine.ready()).toBe(true);
  });

  it('recognises in a worker and leaves the caller\'s bytes intact', async () => {
    const bytes = new Uint8Array(await solidJpeg(1280, 720));
    const r = await engine.recognise(bytes, DEFAULT_RECOGNISE_OPTIONS);
    expect(r.plates[0]?.plate).toBe('ab12cde');
    expect(r.plates[0]?.region.code).toBe('gb');
    expect(bytes.byteLength).toBeGreaterThan(0); // a webhook may still send the upload afterwards
  });

  it.runIf(process.platform === 'linux')('runs its workers at the nice value asked for, leaving the event loop\'s alone', async () => {
    // /proc/self/task/TID/stat field 19 is each thread's nice value.
    const niceOfThreads = () =>
      readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]));
    const loop = getPriority(); // this thread's, the event loop's (a CI runner may itself be niced)
    const asked = Math.min(19, loop + 7);
    const before = niceOfThreads().filter((n) => n === asked).length;
    const polite = createEnginePool({ modelsDir: writeFakeModels('ab12cde'), workers: 2, niceness: 7 });
    try {
      await polite.started;
      expect((await polite.recognise(await solidJpeg(320, 240), DEFAULT_RECOGNISE_OPTIONS)).plates).toHaveLength(1);
      expect(niceOfThreads().filter((n) => n === asked).length - before).toBeGreaterThanOrEqual(2);
      expect(getPriority()).toBe(loop);
    } finally {
      await polite.close();
    }
  });

  it('with transferInput moves an owned buffer but copies views into shared ones', async () => {
    const mover = createEnginePool({ modelsDir: writeFakeModels('ab12cde'), workers: 1, transferInput: true });
    try {
      const owned = new Uint8Array(await solidJpeg(320, 240));
      expect((await mover.recognise(owned, DEFAULT_RECOGNISE_OPTIONS)).plates).toHaveLength(1);
      expect(owned.byteLength).toBe(0); // detached: moved, not copied
      const buf = Buffer.concat([Buffer.alloc(16), await solidJpeg(320, 240)]);
      expect((await mover.recognise(buf.subarray(16), DEFAULT_RECOGNISE_OPTIONS)).plates).toHaveLength(1);
      expect(buf.length).toBeGreaterThan(16);
    } finally {
      await mover.close();
    }
  });

  it('maps worker errors back to their classes', async () => {
    await expect(engine.recognise(Buffer.from('junk'), DEFAULT_RECOGNISE_OPTIONS)).rejects.toBeInstanceOf(InvalidImageError);
    const big = await engine.recognise(pngDeclaring(30_000, 30_000), DEFAULT_RECOGNISE_OPTIONS).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(PayloadTooLargeError);
    expect((big as PayloadTooLargeError).message).toBe('The image has too many pixels.');
    const bad = { ...DEFAULT_RECOGNISE_OPTIONS, textFormats: ['(unclosed'] };
    await expect(engine.recognise(await solidJpeg(64, 64), bad)).rejects.toBeInstanceOf(BadRequestError);
  });

  it('runs requests in parallel on both workers and answers 503 when the queue is full', async () => {
    const img = await solidJpeg(1280, 720);
    const settled = await Promise.allSettled(Array.from({ length: 12 }, () => engine.recognise(img, DEFAULT_RECOGNISE_OPTIONS)));
    const rejected = settled.filter((s) => s.status === 'rejected');
    expect(settled.some((s) => s.status === 'fulfilled')).toBe(true);
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('createEnginePool with missing models', () => {
  it('rejects started and never becomes ready', async () => {
    const engine = createEnginePool({ modelsDir: '/nonexistent/models', workers: 1 });
    await expect(engine.started).rejects.toThrow(/manifest\.json|ENOENT/);
    expect(engine.ready()).toBe(false);
    await engine.close();
  });
});
