// Risk covered: operators can see what the service does (/metrics), manage SDK webhooks only with the admin
// token, and stop the server without cutting off a recognition in progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAR_JPEG, form } from '../helpers/images.js';
import { ADMIN, AUTH, type TestServer, startTestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('/metrics', () => {
  it('exposes request counts, latency, queue depth and webhook failures in Prometheus format', async () => {
    await fetch(server.url('/v1/plate-reader/'), { method: 'POST', headers: AUTH, body: form({}, { bytes: CAR_JPEG, name: 'a.jpg' }) });
    const res = await fetch(server.url('/metrics'));
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/platewise_http_requests_total\{method="POST",route="\/v1\/plate-reader\/",status="201"\} 1/);
    expect(text).toMatch(/platewise_http_request_duration_seconds_bucket/);
    expect(text).toMatch(/platewise_recognition_queue_depth 0/);
    expect(text).toMatch(/platewise_recognitions_total\{outcome="ok"\} 1/);
    expect(text).toContain('platewise_webhook_failures_total');
  });

  it('tags every response with a request id', async () => {
    const res = await fetch(server.url('/v1/statistics/'), { headers: AUTH });
    expect(res.headers.get('x-request-id')).toMatch(/\S{8,}/);
  });
});

describe('SDK webhook management', () => {
  it('needs ADMIN_TOKEN, and does not exist without it', async () => {
    const withAdmin = await startTestServer({ PROFILE: 'sdk', ALLOW_PRIVATE_URLS: '1' });
    const without = await startTestServer({ PROFILE: 'sdk', ADMIN_TOKEN: '' });
    try {
      const body = JSON.stringify({ url: 'http://127.0.0.1:9/hook' });
      const headers = { 'Content-Type': 'application/json' };
      expect((await fetch(withAdmin.url('/v1/webhooks/'), { method: 'POST', headers, body })).status).toBe(403);
      const created = await fetch(withAdmin.url('/v1/webhooks/'), { method: 'POST', headers: { ...headers, ...ADMIN }, body });
      expect(created.status).toBe(201);
      expect((await (await fetch(withAdmin.url('/info/'))).json()).webhooks).toEqual(['http://127.0.0.1:9/hook']);
      expect((await fetch(without.url('/v1/webhooks/'), { method: 'POST', headers, body })).status).toBe(404);
    } finally {
      await withAdmin.stop();
      await without.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a recognition that is in progress when stop is called', async () => {
    const s = await startTestServer();
    const inFlight = fetch(s.url('/v1/plate-reader/'), { method: 'POST', headers: AUTH, body: form({}, { bytes: CAR_JPEG, name: 'a.jpg' }) });
    await new Promise((r) => setTimeout(r, 30));
    const stopped = s.stop();
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect((await res.json()).results.length).toBeGreaterThanOrEqual(1);
    await stopped;
    await expect(fetch(s.url('/v1/statistics/'), { headers: AUTH })).rejects.toThrow();
  });
});

describe('back-pressure', () => {
  it('answers 503 with Retry-After past QUEUE_MAX_PENDING, and counts only what it served', async () => {
    const s = await startTestServer({ QUEUE_MAX_PENDING: '1' });
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          fetch(s.url('/v1/plate-reader/'), { method: 'POST', headers: AUTH, body: form({}, { bytes: CAR_JPEG, name: 'a.jpg' }) }),
        ),
      );
      const statuses = results.map((r) => r.status);
      const busy = results.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      expect(busy[0]?.headers.get('retry-after')).toBe('1');
      expect(Object.keys(await busy[0]?.json())).toEqual(['detail', 'status_code']);
      const served = statuses.filter((x) => x === 201).length;
      expect(served).toBeGreaterThanOrEqual(1);
      expect(served + busy.length).toBe(6);
      const stats = await (await fetch(s.url('/v1/statistics/'), { headers: AUTH })).json();
      expect(stats.usage.calls).toBe(served);
    } finally {
      await s.stop();
    }
  });
});
