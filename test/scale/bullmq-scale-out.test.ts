// Risk covered: the scaled-out deployment (API + separate worker processes over Redis and Postgres) answers
// like the embedded one, a worker killed mid-job loses nothing (the job is retried on another worker and the
// caller still gets its answer), and no image bytes stay behind in Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAR_JPEG, bombPng, form } from '../helpers/images.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';
import { AUTH, type TestServer, startTestServer } from '../helpers/server.js';
import { spawnWorker, waitUntil } from '../helpers/worker-process.js';

const PG = process.env.TEST_DATABASE_URL;
const REDIS = process.env.TEST_REDIS_URL;

describe.skipIf(!PG || !REDIS)('scaled out over BullMQ + Postgres', () => {
  let api: TestServer;
  let redis: Redis;
  let env: Record<string, string>;
  const workers: Array<ReturnType<typeof spawnWorker>> = [];

  beforeAll(async () => {
    // A Redis database of its own: the recognition queue's keys are fixed names.
    const redisUrl = `${REDIS}/7`;
    redis = new Redis(redisUrl);
    await redis.flushdb();
    env = {
      DATABASE_URL: await freshPostgresDatabase(PG ?? '', 'pw_scale'),
      REDIS_URL: redisUrl,
      BOOTSTRAP_TOKEN: '0123456789abcdef0123456789abcdef01234567',
      ...(process.env.MODELS_DIR ? { MODELS_DIR: process.env.MODELS_DIR } : {}),
    };
    api = await startTestServer(env);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await api?.stop();
    await redis?.quit();
  });

  const recognise = (bytes: Uint8Array = CAR_JPEG) =>
    fetch(api.url('/v1/plate-reader/'), { method: 'POST', headers: AUTH, body: form({}, { bytes, name: 'car.jpg' }) });

  it('recognises through a worker process, with engine errors mapped back to their 4xx', async () => {
    const w = spawnWorker(env);
    workers.push(w);
    await waitUntil(() => w.output().includes('worker started'), 60_000, 'worker start');
    const res = await recognise();
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.results.length).toBeGreaterThanOrEqual(1);
    const bomb = await recognise(bombPng());
    expect(bomb.status).toBe(413);
    const stats = await (await fetch(api.url('/v1/statistics/'), { headers: AUTH })).json();
    expect(stats.usage.calls).toBe(1);
  });

  it('survives a worker killed mid-job: another worker finishes every call', async () => {
    const first = workers[0];
    if (!first) throw new Error('no worker');
    const calls = Array.from({ length: 6 }, () => recognise());
    // Wait until the worker holds a job, then kill it without any chance to clean up.
    await waitUntil(async () => (await redis.llen('platewise:recognition:active')) > 0, 30_000, 'an active job');
    first.kill('SIGKILL');
    const second = spawnWorker(env);
    workers.push(second);
    const statuses = await Promise.all(calls.map((p) => p.then((r) => r.status)));
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    const stats = await (await fetch(api.url('/v1/statistics/'), { headers: AUTH })).json();
    expect(stats.usage.calls).toBe(7);
    await waitUntil(async () => (await redis.keys('platewise:image:*')).length === 0, 10_000, 'image keys removed');
  }, 120_000);
});
