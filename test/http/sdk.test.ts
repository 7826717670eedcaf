// Risk covered: an SDK-container client (no token, 200, usage, SDK timestamps, health port) must work
// unchanged, including the parkpow plate_recognition.py style of call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { CAR_JPEG, form } from '../helpers/images.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ PROFILE: 'sdk', SDK_MAX_CALLS: '1000', LICENSE_KEY: 'ABC123' });
});
afterAll(async () => {
  await server?.stop();
});

describe('SDK profile', () => {
  it('answers GET / with 200 (client scripts probe it first)', async () => {
    const res = await fetch(server.url('/'));
    expect(res.status).toBe(200);
  });

  it('reads the parkpow client call: multipart upload, config={}, repeated regions, mmc=True, no auth', async () => {
    const res = await fetch(server.url('/v1/plate-reader/'), {
      method: 'POST',
      body: form({ regions: ['us-ca', 'mx'], mmc: 'True', config: '{}' }, { bytes: CAR_JPEG, name: 'car.jpg' }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['processing_time', 'results', 'filename', 'camera_id', 'timestamp', 'usage']);
    expect(body.filename).toBe('car.jpg');
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(body.usage).toEqual({ calls: 1, max_calls: 1000 });
    expect(body.version).toBeUndefined();
    expect(body.results.length).toBeGreaterThanOrEqual(1);
    expect(body.results[0].vehicle).toBeDefined();
    expect(body.results[0].orientation).toBeDefined();
  });

  it('names a part without a filename "upload"', async () => {
    const res = await fetch(server.url('/v1/plate-reader/'), {
      method: 'POST',
      body: form({ upload: Buffer.from(CAR_JPEG).toString('base64') }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.filename).toBe('upload');
    expect(body.usage.calls).toBe(2);
  });

  it('serves /info/ with the usage so far', async () => {
    const info = await (await fetch(server.url('/info/'))).json();
    expect(Object.keys(info)).toEqual(['version', 'license_key', 'total_calls', 'usage', 'webhooks']);
    expect(info.license_key).toBe('ABC123');
    expect(info.total_calls).toBe(1000);
    expect(info.usage.calls).toBe(2);
    expect(info.webhooks).toEqual([]);
  });

  it('has no statistics endpoint (cloud only)', async () => {
    expect((await fetch(server.url('/v1/statistics/'))).status).toBe(404);
  });

  it('serves liveliness and readiness on the health port only', async () => {
    const health = `http://127.0.0.1:${server.healthPort}`;
    expect((await fetch(`${health}/liveliness/`)).status).toBe(200);
    const ready = await fetch(`${health}/readiness/`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    expect((await fetch(server.url('/liveliness/'))).status).toBe(404);
  });
});

describe('SDK max_calls', () => {
  it('refuses calls past SDK_MAX_CALLS with the quota 403', async () => {
    const capped = await startTestServer({ PROFILE: 'sdk', SDK_MAX_CALLS: '1' });
    try {
      const call = () =>
        fetch(capped.url('/v1/plate-reader/'), { method: 'POST', body: form({}, { bytes: CAR_JPEG, name: 'a.jpg' }) });
      expect((await call()).status).toBe(200);
      const second = await call();
      expect(second.status).toBe(403);
      expect((await second.json()).detail).toMatch(/quota/);
    } finally {
      await capped.stop();
    }
  });
});
