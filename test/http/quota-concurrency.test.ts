// Risk covered: quotas must be exact under concurrency in both storage modes: a hundred parallel calls
// against a quota of 50 give exactly 50 successes and 50 quota 403s, and usage reads exactly 50.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type TestServer, startTestServer } from '../helpers/server.js';
import { form } from '../helpers/images.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';

const modes = [
  { name: 'PGlite', env: {} as Record<string, string> },
  { name: 'Postgres', env: { DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' } as Record<string, string> },
];

describe.each(modes)('quota under concurrency ($name)', ({ name, env }) => {
  const skip = name === 'Postgres' && !process.env.TEST_DATABASE_URL;
  let server: TestServer;
  /** Postgres: a second API process on the same database, so the count is exact across processes too. */
  let second: TestServer | undefined;
  let small: Uint8Array;

  beforeAll(async () => {
    if (skip) return;
    const dbEnv = env.DATABASE_URL ? { DATABASE_URL: await freshPostgresDatabase(env.DATABASE_URL, 'pw_quota') } : {};
    server = await startTestServer({ ...dbEnv, QUEUE_MAX_PENDING: '500' });
    if (dbEnv.DATABASE_URL) second = await startTestServer({ ...dbEnv, QUEUE_MAX_PENDING: '500' });
    small = new Uint8Array(await sharp({ create: { width: 96, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer());
  });
  afterAll(async () => {
    await server?.stop();
    await second?.stop();
  });

  const createAccount = async (fields: Record<string, unknown>): Promise<{ token: string; id: number }> => {
    const created = await fetch(server.url('/admin/accounts'), {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
    });
    expect(created.status).toBe(201);
    return created.json();
  };
  /** One call, from the first or (Postgres) the second API process, with a body of `bytes`. */
  const recognise = (token: string, bytes: Uint8Array, i: number) =>
    fetch((i % 2 === 1 && second ? second : server).url('/v1/plate-reader/'), {
      method: 'POST',
      headers: { Authorization: `Token ${token}` },
      body: form({}, { bytes, name: 'x.jpg' }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it.skipIf(skip)('100 parallel calls, quota 50 → exactly 50 × 201 and 50 × 403', async () => {
    const { token, id } = await createAccount({ name: 'burst', monthly_quota: 50, rate_limit_per_second: 0 });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => recognise(token, small, i)));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 403);
    expect(ok).toHaveLength(50);
    expect(refused).toHaveLength(50);
    for (const r of refused) expect(r.body.detail).toMatch(/quota/);
    const stats = await (await fetch(server.url('/v1/statistics/'), { headers: { Authorization: `Token ${token}` } })).json();
    expect(stats.usage.calls).toBe(50);
    const account = await (await fetch(server.url(`/admin/accounts/${id}`), { headers: ADMIN })).json();
    expect(account.calls_this_period).toBe(50);
  });

  // An account without a quota is counted too, exactly: every failed call is given back.
  it.skipIf(skip)('unlimited account: 60 parallel calls, 20 undecodable → usage counts exactly the 40 successes', async () => {
    const { token, id } = await createAccount({ name: 'unmetered', monthly_quota: 0, rate_limit_per_second: 0 });
    const garbage = new TextEncoder().encode('not an image at all');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => recognise(token, i % 3 === 2 ? garbage : small, i)));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(40);
    expect(results.filter((r) => r.status === 400)).toHaveLength(20);
    // The failures' counts were given back, so the total is the successes.
    const account = await (await fetch(server.url(`/admin/accounts/${id}`), { headers: ADMIN })).json();
    expect(account.calls_this_period).toBe(40);
  });

  it.skipIf(skip)('throttles over the per-second limit with 429 and Retry-After', async () => {
    const { token } = await createAccount({ name: 'slow', rate_limit_per_second: 1 });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(server.url('/v1/plate-reader/'), {
          method: 'POST',
          headers: { Authorization: `Token ${token}` },
          body: form({}, { bytes: small, name: 'x.jpg' }),
        }),
      ),
    );
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled[0]?.headers.get('retry-after')).toBe('1');
    expect(await throttled[0]?.json()).toEqual({
      detail: 'Request was throttled. Expected available in 1 second.',
      status_code: 429,
    });
  });
});
