import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeRequest } from '../../src/net/safe-request.js';
import { deliverWebhook, webhookBody } from '../../src/webhooks/deliver.js';
import { generateWebhookSecret, signWebhook } from '../../src/webhooks/sign.js';

// Risk: the receiver we publish as the reference cannot verify what we actually send.
const RECEIVER = fileURLToPath(new URL('../../webhooks/example-receiver/receiver.mjs', import.meta.url));
const SAMPLE = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../webhooks/samples/image.done.cloud.json', import.meta.url)), 'utf8'),
) as { hook: { target: string; id: number; event: string }; data: { results: { plate: string }[] } };
const secret = generateWebhookSecret();
let child: ChildProcessWithoutNullStreams;
let url = '';
let stdout = '';
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, [RECEIVER], { env: { ...process.env, WEBHOOK_SECRET: secret, PORT: '0', HOST: '127.0.0.1' } });
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const end = Date.now() + 10_000;
  while (!/listening on (\S+)/.test(stdout)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`receiver did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  url = /listening on (\S+)/.exec(stdout)?.[1] ?? '';
});
afterAll(() => {
  child.kill('SIGTERM');
});

const waitForOutput = async (text: string) => {
  const end = Date.now() + 5000;
  while (!stdout.includes(text) && !stderr.includes(text)) {
    if (Date.now() > end) throw new Error(`no "${text}" in receiver output:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const delivery = (messageId: string) => ({
  url,
  targetId: SAMPLE.hook.id,
  event: 'image.done',
  secret,
  messageId,
  data: SAMPLE.data,
  timeoutMs: 3000,
  allowPrivate: true,
  now: new Date(),
});

describe('example receiver', () => {
  it('accepts a signed JSON delivery and prints its plates', async () => {
    expect(await deliverWebhook(delivery('msg_json'))).toMatchObject({ ok: true, status: 200 });
    await waitForOutput(`msg_json image.done`);
    expect(stdout).toContain(`plates: ${SAMPLE.data.results[0]?.plate}`);
  });

  it('accepts a signed multipart delivery with the image', async () => {
    const image = { bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]), filename: 'car.jpg' };
    expect(await deliverWebhook({ ...delivery('msg_multi'), image })).toMatchObject({ ok: true, status: 200 });
    await waitForOutput('msg_multi image.done');
    expect(stdout).toMatch(/msg_multi image\.done camera=\S+ image car\.jpg 9 bytes plates: /);
  });

  it('rejects unsigned, tampered and stale deliveries with 401', async () => {
    const body = webhookBody(url, 1, 'image.done', SAMPLE.data);
    const post = (headers: Record<string, string>, payload: string) =>
      safeRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload, timeoutMs: 3000, allowPrivate: true });
    expect(await post({}, body)).toMatchObject({ type: 'response', status: 401 });

    const signed = signWebhook(secret, 'msg_tampered', body, new Date());
    if (!signed.ok) throw new Error(signed.error);
    expect(await post({ ...signed.headers }, body.replace(SAMPLE.data.results[0]?.plate ?? '', 'xxx000'))).toMatchObject({ status: 401 });
    expect(await post({ ...signed.headers }, body)).toMatchObject({ status: 200 });

    const stale = signWebhook(secret, 'msg_stale', body, new Date(Date.now() - 6 * 60 * 1000));
    if (!stale.ok) throw new Error(stale.error);
    expect(await post({ ...stale.headers }, body)).toMatchObject({ status: 401 });
    const wrongKey = signWebhook(generateWebhookSecret(), 'msg_other_key', body, new Date());
    if (!wrongKey.ok) throw new Error(wrongKey.error);
    expect(await post({ ...wrongKey.headers }, body)).toMatchObject({ status: 401 });
    await waitForOutput('rejected msg_stale: timestamp outside the 5 minute tolerance');
  });
});
