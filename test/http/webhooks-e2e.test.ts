// Risk covered: every recognition call (with plates or none) reaches the account's targets as a signed
// image.done whose data is exactly the API response, without slowing the response; with-image targets get
// multipart; the 95 % usage warning is stored and sent once; SDK WEBHOOK_URLS work without any API call.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/webhooks/sign.js';
import { CAR_JPEG, form } from '../helpers/images.js';
import { startReceiver } from '../helpers/receiver.js';
import { ADMIN, AUTH, type TestServer, startTestServer } from '../helpers/server.js';

const json = { 'Content-Type': 'application/json' };
let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  server = await startTestServer({ ALLOW_PRIVATE_URLS: '1', WEBHOOK_RETRY_DELAYS_MS: '50,100' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

async function addTarget(token: string, body: Record<string, unknown>) {
  const res = await fetch(server.url('/v1/webhooks/'), {
    method: 'POST',
    headers: { Authorization: `Token ${token}`, ...json },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return res.json();
}

describe('webhook targets over the API', () => {
  it('creates, lists without secrets, and deletes targets; refuses private URLs by default', async () => {
    const strict = await startTestServer();
    try {
      const refused = await fetch(strict.url('/v1/webhooks/'), {
        method: 'POST',
        headers: { ...AUTH, ...json },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }),
      });
      expect(refused.status).toBe(400);
    } finally {
      await strict.stop();
    }
    const target = await addTarget('0123456789abcdef0123456789abcdef01234567', { url: `${receiver.url}?t=tmp` });
    expect(target.secret).toMatch(/^whsec_/);
    const list = await (await fetch(server.url('/v1/webhooks/'), { headers: AUTH })).json();
    expect(list.map((t: { id: number }) => t.id)).toContain(target.id);
    expect(JSON.stringify(list)).not.toContain(target.secret);
    expect((await fetch(server.url(`/v1/webhooks/${target.id}/`), { method: 'DELETE', headers: AUTH })).status).toBe(204);
    expect((await fetch(server.url(`/v1/webhooks/${target.id}/`), { method: 'DELETE', headers: AUTH })).status).toBe(404);
    expect((await fetch(server.url('/v1/webhooks/'))).status).toBe(403);
  });
});

describe('image.done', () => {
  it('delivers a signed JSON body whose data is the API response, also with no plates', async () => {
    const { token } = await (
      await fetch(server.url('/admin/accounts'), { method: 'POST', headers: { ...ADMIN, ...json }, body: '{"name":"hooks","rate_limit_per_second":0}' })
    ).json();
    const target = await addTarget(token, { url: receiver.url });
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#202020' } }).jpeg().toBuffer();
    const before = receiver.received.length;
    const responses = [];
    for (const bytes of [CAR_JPEG, new Uint8Array(blank)]) {
      const res = await fetch(server.url('/v1/plate-reader/'), {
        method: 'POST',
        headers: { Authorization: `Token ${token}` },
        body: form({ camera_id: 'gate-1' }, { bytes, name: 'a.jpg' }),
      });
      expect(res.status).toBe(201);
      responses.push(await res.text());
    }
    const got = (await receiver.waitFor(before + 2)).slice(before);
    for (const r of got) {
      expect(r.contentType).toMatch(/^application\/json/);
      expect(verifyWebhook(target.secret, r.headers as Record<string, string>, r.body, { now: new Date() })).toEqual({ ok: true });
    }
    const bodies = got.map((r) => r.body.toString('utf8'));
    for (const response of responses) {
      const match = bodies.find((b) => JSON.stringify(JSON.parse(b).data) === response);
      expect(match, 'a webhook whose data is the response, byte for byte in key order').toBeDefined();
      const hook = JSON.parse(match ?? '{}').hook;
      expect(hook).toEqual({ target: receiver.url, id: target.id, event: 'image.done' });
    }
  });

  it('sends multipart json + upload to with_image targets', async () => {
    const { token } = await (
      await fetch(server.url('/admin/accounts'), { method: 'POST', headers: { ...ADMIN, ...json }, body: '{"name":"images","rate_limit_per_second":0}' })
    ).json();
    await addTarget(token, { url: receiver.url, with_image: true });
    const before = receiver.received.length;
    await fetch(server.url('/v1/plate-reader/'), {
      method: 'POST',
      headers: { Authorization: `Token ${token}` },
      body: form({}, { bytes: CAR_JPEG, name: 'car.jpg' }),
    });
    const [r] = (await receiver.waitFor(before + 1)).slice(before);
    expect(r?.contentType).toMatch(/^multipart\/form-data/);
    const parsed = await new Response(r?.body, { headers: { 'Content-Type': r?.contentType ?? '' } }).formData();
    expect(JSON.parse(String(parsed.get('json'))).hook.event).toBe('image.done');
    const upload = parsed.get('upload') as File;
    expect(Buffer.from(await upload.arrayBuffer()).equals(Buffer.from(CAR_JPEG))).toBe(true);
  });
});

describe('usage.warning', () => {
  it('is stored and sent once, for the call that reaches 95 % of the quota', async () => {
    const { token, id } = await (
      await fetch(server.url('/admin/accounts'), {
        method: 'POST',
        headers: { ...ADMIN, ...json },
        body: JSON.stringify({ name: 'warned', monthly_quota: 20, rate_limit_per_second: 0 }),
      })
    ).json();
    await addTarget(token, { url: `${receiver.url}?warn`, event: 'usage.warning' });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(server.url('/v1/plate-reader/'), {
        method: 'POST',
        headers: { Authorization: `Token ${token}` },
        body: form({}, { bytes: CAR_JPEG, name: 'a.jpg' }),
      });
      expect(res.status).toBe(201);
    }
    const warn = await receiver.waitFor(1).then(async () => {
      const end = Date.now() + 10_000;
      for (;;) {
        const found = receiver.received.filter(
          (r) => r.contentType.startsWith('application/json') && JSON.parse(r.body.toString()).hook?.event === 'usage.warning',
        );
        if (found.length > 0 || Date.now() > end) return found;
        await new Promise((res) => setTimeout(res, 25));
      }
    });
    expect(warn).toHaveLength(1);
    const data = JSON.parse(warn[0]?.body.toString() ?? '{}').data;
    expect(data.usage.calls).toBe(19);
    expect(data.total_calls).toBe(20);
    const rows = await server.ctx.db.selectFrom('notifications').selectAll().where('account_id', '=', id).execute();
    expect(rows.map((r) => r.kind)).toEqual(['usage.warning']);
  });
});

describe('SDK WEBHOOK_URLS', () => {
  it('delivers image.done to the configured URLs, signed with WEBHOOK_SECRET, with no API call to set them up', async () => {
    const sdkReceiver = await startReceiver();
    const secret = `whsec_${Buffer.from('sdk-shared-secret-32-bytes-long!').toString('base64')}`;
    const sdk = await startTestServer({ PROFILE: 'sdk', WEBHOOK_URLS: sdkReceiver.url, WEBHOOK_SECRET: secret });
    try {
      const info = await (await fetch(sdk.url('/info/'))).json();
      expect(info.webhooks).toEqual([sdkReceiver.url]);
      const res = await fetch(sdk.url('/v1/plate-reader/'), { method: 'POST', body: form({}, { bytes: CAR_JPEG, name: 'car.jpg' }) });
      expect(res.status).toBe(200);
      const [r] = await sdkReceiver.waitFor(1);
      expect(JSON.parse(r?.body.toString() ?? '{}').data.filename).toBe('car.jpg');
      expect(verifyWebhook(secret, r?.headers as Record<string, string>, r?.body ?? '', { now: new Date() })).toEqual({ ok: true });
    } finally {
      await sdk.stop();
      await sdkReceiver.close();
    }
  });
});
