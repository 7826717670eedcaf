// Risk covered: accounts and tokens are managed only with the admin token; tokens are shown once, work at
// once, several per account, and stop working when revoked; BOOTSTRAP_TOKEN is idempotent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN, AUTH, type TestServer, startTestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const json = { 'Content-Type': 'application/json' };
const stats = (token: string) => fetch(server.url('/v1/statistics/'), { headers: { Authorization: `Token ${token}` } });

describe('admin API', () => {
  it('creates an account with its plan and a working token', async () => {
    const res = await fetch(server.url('/admin/accounts'), {
      method: 'POST',
      headers: { ...ADMIN, ...json },
      body: JSON.stringify({ name: 'acme', monthly_quota: 10000, rate_limit_per_second: 8 }),
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['id', 'name', 'token', 'monthly_quota', 'rate_limit_per_second']);
    expect(body.token).toMatch(/^[0-9a-f]{40}$/);
    expect((await (await stats(body.token)).json()).total_calls).toBe(10000);

    const read = await (await fetch(server.url(`/admin/accounts/${body.id}`), { headers: ADMIN })).json();
    expect(read).toMatchObject({ id: body.id, name: 'acme', monthly_quota: 10000, rate_limit_per_second: 8, calls_this_period: 0 });
    expect(JSON.stringify(read)).not.toContain(body.token);
  });

  it('applies the configured default plan', async () => {
    const res = await fetch(server.url('/admin/accounts'), { method: 'POST', headers: { ...ADMIN, ...json }, body: '{"name":"defaults"}' });
    const body = await res.json();
    // The harness raises DEFAULT_RATE_LIMIT_PER_SECOND to 1000; the built-in defaults are checked in test/unit/config.
    expect([body.monthly_quota, body.rate_limit_per_second]).toEqual([2500, 1000]);
  });

  it('issues more tokens and revokes one by its prefix', async () => {
    const { id, token: first } = await (
      await fetch(server.url('/admin/accounts'), { method: 'POST', headers: { ...ADMIN, ...json }, body: '{"name":"two"}' })
    ).json();
    const extra = await fetch(server.url(`/admin/accounts/${id}/tokens`), { method: 'POST', headers: ADMIN });
    expect(extra.status).toBe(201);
    const { token: second } = await extra.json();
    expect(second).not.toBe(first);
    expect((await stats(second)).status).toBe(200);

    const del = await fetch(server.url(`/admin/tokens/${first.slice(0, 8)}`), { method: 'DELETE', headers: ADMIN });
    expect(del.status).toBe(204);
    expect(await (await stats(first)).json()).toEqual({ detail: 'Invalid token.', status_code: 403 });
    expect((await stats(second)).status).toBe(200);
    const again = await fetch(server.url(`/admin/tokens/${first.slice(0, 8)}`), { method: 'DELETE', headers: ADMIN });
    expect(again.status).toBe(404);
  });

  it('validates bodies and ids in the wire format', async () => {
    const bad = await fetch(server.url('/admin/accounts'), { method: 'POST', headers: { ...ADMIN, ...json }, body: '{"monthly_quota":-1}' });
    expect(bad.status).toBe(400);
    expect(Object.keys(await bad.json())).toEqual(['detail', 'status_code']);
    expect((await fetch(server.url('/admin/accounts/999999'), { headers: ADMIN })).status).toBe(404);
    expect((await fetch(server.url('/admin/accounts/abc'), { headers: ADMIN })).status).toBe(400);
  });

  it('refuses a wrong admin token, and API tokens, with 403', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, AUTH]) {
      const res = await fetch(server.url('/admin/accounts/1'), { headers });
      expect(res.status).toBe(403);
    }
  });
});

describe('admin API switched off', () => {
  it('does not exist without ADMIN_TOKEN', async () => {
    const plain = await startTestServer({ ADMIN_TOKEN: '' });
    try {
      expect((await fetch(plain.url('/admin/accounts/1'), { headers: ADMIN })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe('bootstrap', () => {
  it('keeps BOOTSTRAP_TOKEN working across restarts on disk without duplicating it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'platewise-'));
    try {
      for (let i = 0; i < 2; i++) {
        const s = await startTestServer({ DATA_DIR: dir });
        expect((await fetch(s.url('/v1/statistics/'), { headers: AUTH })).status).toBe(200);
        expect((await fetch(s.url('/admin/accounts/1'), { headers: ADMIN })).status).toBe(200);
        expect((await fetch(s.url('/admin/accounts/2'), { headers: ADMIN })).status).toBe(404);
        await s.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('creates one account on an empty database when no BOOTSTRAP_TOKEN is set, and prints its token once', async () => {
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let s: TestServer | undefined;
    try {
      s = await startTestServer({ BOOTSTRAP_TOKEN: '' });
    } finally {
      process.stdout.write = write;
    }
    try {
      const token = /token \(shown once\): ([0-9a-f]{40})/.exec(printed.join(''))?.[1];
      expect(token).toBeDefined();
      expect((await fetch(s.url('/v1/statistics/'), { headers: { Authorization: `Token ${token}` } })).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
