// Risk covered: hostile or broken input must get its 4xx in the wire format, never a 500, a stack trace,
// a hang or a burnt call, and the server must keep serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, type TestServer, startTestServer } from '../helpers/server.js';
import { bmpOf } from '../engine/helpers/images.js';
import { CAR_JPEG, bombPng, corruptPng, form, truncatedJpeg } from '../helpers/images.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_UPLOAD_BYTES: String(3 * 1024 * 1024) });
});
afterAll(async () => {
  await server?.stop();
});

async function call(body: FormData | string, headers: Record<string, string> = AUTH) {
  const res = await fetch(server.url('/v1/plate-reader/'), { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { detail: string; status_code: number } };
}

async function expectWireError(body: FormData | string, status: number, detail: RegExp, headers?: Record<string, string>) {
  const r = await call(body, headers);
  expect(r.status, r.text).toBe(status);
  expect(Object.keys(r.json)).toEqual(['detail', 'status_code']);
  expect(r.json.status_code).toBe(status);
  expect(r.json.detail).toMatch(detail);
  expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/);
  return r;
}

const file = (bytes: Uint8Array, name = 'x.jpg') => form({}, { bytes, name });

describe('authentication', () => {
  it('refuses a missing, malformed or unknown token with the exact DRF message', async () => {
    await expectWireError(file(CAR_JPEG), 403, /^Invalid token\.$/, {});
    await expectWireError(file(CAR_JPEG), 403, /^Invalid token\.$/, { Authorization: 'Token nope' });
    await expectWireError(file(CAR_JPEG), 403, /^Invalid token\.$/, { Authorization: `Token ${'f'.repeat(40)}` });
    await expectWireError(file(CAR_JPEG), 403, /^Invalid token\.$/, { Authorization: 'Basic abc' });
  });
});

describe('images', () => {
  it.each([
    ['no image at all', () => form({ regions: 'us' }), 400, /No image/],
    ['an empty file', () => file(new Uint8Array(0)), 400, /empty/],
    ['a text file', () => file(new TextEncoder().encode('hello, I am not an image'), 'notes.txt'), 400, /image/i],
    ['a truncated JPEG', () => file(truncatedJpeg()), 400, /image/i],
    ['a corrupt PNG', () => file(corruptPng(), 'x.png'), 400, /image/i],
    ['a truncated BMP', () => file(bmpOf(new Uint8Array(30 * 20 * 3), 30, 20).subarray(0, 900), 'x.bmp'), 400, /image/i],
    ['invalid base64', () => form({ upload: '***not base64***' }), 400, /base64/],
    ['two images', () => { const f = file(CAR_JPEG); f.append('upload', new Blob([CAR_JPEG]), 'b.jpg'); return f; }, 400, /one image/],
    ['upload and upload_url together', () => form({ upload_url: 'https://example.com/a.jpg' }, { bytes: CAR_JPEG, name: 'a.jpg' }), 400, /either/],
  ])('%s → %i', async (_name, body, status, detail) => {
    await expectWireError(body(), status, detail);
  });

  it('refuses a tiny PNG declaring 30000x30000 pixels without decoding it', async () => {
    const started = Date.now();
    await expectWireError(file(bombPng(), 'bomb.png'), 413, /pixel|large/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a BMP header declaring 30000x30000 pixels without decoding it', async () => {
    const bomb = bmpOf(new Uint8Array(4 * 4 * 3), 4, 4);
    bomb.writeInt32LE(30000, 18);
    bomb.writeInt32LE(30000, 22);
    await expectWireError(file(bomb, 'bomb.bmp'), 413, /pixel|large/i);
  });

  it('refuses uploads over MAX_UPLOAD_BYTES, as a file and as base64', async () => {
    const big = new Uint8Array(3 * 1024 * 1024 + 10);
    big.set(CAR_JPEG);
    await expectWireError(file(big), 413, /too large/);
    await expectWireError(form({ upload: Buffer.from(big).toString('base64') }), 413, /too large/);
  });

  it('cuts off a huge multipart body without reading it all', async () => {
    const huge = new Uint8Array(40 * 1024 * 1024);
    await expectWireError(file(huge), 413, /too large/);
  });
});

describe('fields and config', () => {
  it.each([
    ['invalid config JSON', { config: '{oops' }, /config/],
    ['an unknown config key', { config: '{"colour":"red"}' }, /colour|Unrecognized/i],
    ['a bad mode', { config: '{"mode":"turbo"}' }, /mode/],
    ['a threshold out of range', { config: '{"threshold_o":7}' }, /threshold_o/],
    ['a bad text format', { config: '{"text_formats":["(["]}' }, /regular expression/],
    ['an unknown field', { colour: 'red' }, /colour|Unrecognized/i],
    ['a bad region', { regions: 'not a region' }, /region/],
    ['a bad mmc', { mmc: 'perhaps' }, /mmc/],
    ['a bad timestamp', { timestamp: 'tomorrow' }, /timestamp/],
    ['a repeated camera_id', { camera_id: ['a', 'b'] }, /camera_id/],
  ])('%s → 400', async (_name, fields, detail) => {
    await expectWireError(form(fields as Record<string, string | string[]>, { bytes: CAR_JPEG, name: 'a.jpg' }), 400, detail);
  });

  it('refuses a body that is neither multipart nor JSON, and broken JSON', async () => {
    await expectWireError('upload=abc', 400, /multipart|JSON/, { ...AUTH, 'Content-Type': 'text/plain' });
    await expectWireError('{"upload":', 400, /JSON/, { ...AUTH, 'Content-Type': 'application/json' });
    await expectWireError('[1,2]', 400, /object/, { ...AUTH, 'Content-Type': 'application/json' });
  });
});

describe('hostile upload_url', () => {
  it.each([
    'http://127.0.0.1:8080/',
    'http://localhost/',
    'http://10.0.0.8/cam.jpg',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0/',
    'file:///etc/passwd',
    'ftp://example.com/a.jpg',
  ])('refuses %s', async (url) => {
    await expectWireError(form({ upload_url: url }), 400, /upload_url|address|allowed|URL|scheme/i);
  });
});

describe('after all that', () => {
  it('still serves, and no failed call was counted', async () => {
    const ok = await fetch(server.url('/v1/plate-reader/'), { method: 'POST', body: file(CAR_JPEG), headers: AUTH });
    expect(ok.status).toBe(201);
    const stats = await (await fetch(server.url('/v1/statistics/'), { headers: AUTH })).json();
    expect(stats.usage.calls).toBe(1);
  });

  it('answers unknown routes in the wire format', async () => {
    const res = await fetch(server.url('/v1/nope/'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found.', status_code: 404 });
  });
});
