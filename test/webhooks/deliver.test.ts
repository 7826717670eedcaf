import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, webhookBody } from '../../src/webhooks/deliver.js';
import { generateWebhookSecret, verifyWebhook } from '../../src/webhooks/sign.js';
import { type Captured, type LocalServer, startServer } from '../net/local-server.js';

// Risk: receivers get a body or signature they cannot parse/verify, or a slow receiver stalls delivery.
const secret = generateWebhookSecret();
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7), Buffer.from([0xff, 0xd9])]);
const DATA = {
  processing_time: 12.5,
  results: [{ plate: 'nhk552', score: 0.9 }],
  filename: '1617_7M83K_car.jpg',
  version: 1,
  camera_id: null,
  timestamp: '2020-10-12T16:17:27.574008Z',
};
let server: LocalServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/fail') return void res.writeHead(500).end('down');
    if (req.url === '/never') return; // never answers
    res.writeHead(200).end('ok');
  });
});
afterAll(() => server.close());

const base = (path: string) => ({
  url: `${server.origin}${path}`,
  targetId: 2,
  event: 'image.done',
  secret,
  messageId: 'msg_test_1',
  data: DATA,
  timeoutMs: 1000,
  allowPrivate: true,
  now: new Date(),
});
const last = (): Captured => {
  const r = server.requests.at(-1);
  if (!r) throw new Error('no request captured');
  return r;
};

describe('deliverWebhook', () => {
  it('posts the contract envelope as signed JSON', async () => {
    const result = await deliverWebhook(base('/hook'));
    expect(result).toMatchObject({ ok: true, status: 200 });
    const req = last();
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body.toString())).toEqual({
      hook: { target: `${server.origin}/hook`, id: 2, event: 'image.done' },
      data: DATA,
    });
    expect(req.body.toString()).toBe(webhookBody(`${server.origin}/hook`, 2, 'image.done', DATA));
    expect(verifyWebhook(secret, req.headers, req.body, { now: new Date() })).toEqual({ ok: true });
    expect(req.headers['webhook-id']).toBe('msg_test_1');
  });

  it('sends multipart with `json` and `upload` to with-image targets, signing the raw bytes', async () => {
    const result = await deliverWebhook({ ...base('/hook'), image: { bytes: JPEG, filename: DATA.filename } });
    expect(result.ok).toBe(true);
    const req = last();
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(verifyWebhook(secret, req.headers, req.body, { now: new Date() })).toEqual({ ok: true });
    const form = await new Request('http://parse.local/', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']) },
      body: req.body,
    }).formData();
    expect(JSON.parse(String(form.get('json')))).toMatchObject({ hook: { id: 2, event: 'image.done' }, data: DATA });
    const upload = form.get('upload');
    expect(upload).toBeInstanceOf(File);
    const file = upload as File;
    expect(file.name).toBe('1617_7M83K_car.jpg');
    expect(file.type).toBe('image/jpeg');
    expect(Buffer.from(await file.arrayBuffer()).equals(JPEG)).toBe(true);
  });

  it('reports a non-2xx answer as a failed attempt with its status', async () => {
    expect(await deliverWebhook(base('/fail'))).toMatchObject({ ok: false, status: 500, error: 'the target answered 500' });
  });

  it('gives up on a target that never answers, within the timeout', async () => {
    const started = Date.now();
    const result = await deliverWebhook({ ...base('/never'), timeoutMs: 250 });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.error).toMatch(/^timeout/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a connection refusal and a private address as failures, never throwing', async () => {
    const closed = await startServer(() => {});
    const url = `${closed.origin}/`;
    await closed.close();
    expect(await deliverWebhook({ ...base('/'), url })).toMatchObject({ ok: false, error: expect.stringMatching(/^network/) });
    expect(await deliverWebhook({ ...base('/hook'), allowPrivate: false })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^blocked/),
    });
    expect(await deliverWebhook({ ...base('/hook'), secret: 'bad' })).toMatchObject({ ok: false, error: expect.stringMatching(/^not signed/) });
  });
});
