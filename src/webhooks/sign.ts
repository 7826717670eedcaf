import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{raw body}` with the base64-decoded part of a `whsec_` secret, sent as
 * `webhook-signature: v1,<base64>`. Any library that verifies Standard Webhooks verifies ours.
 */

export const SECRET_PREFIX = 'whsec_';
/** 32 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;
/** Five minutes either way, the tolerance the spec recommends against replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type SignResult = { ok: true; headers: WebhookHeaders } | { ok: false; error: string };
export type VerifyResult = { ok: true } | { ok: false; error: string };

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function secretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 16 ? key : undefined;
}

function computeSignature(key: Buffer, id: string, timestamp: string, body: Uint8Array | string): string {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
}

/** Signs the exact bytes that will be sent; `now` is the caller's clock so tests and retries are deterministic. */
export function signWebhook(secret: string, id: string, body: Uint8Array | string, now: Date): SignResult {
  const key = secretKey(secret);
  if (!key) return { ok: false, error: 'the secret is not a whsec_ secret of at least 16 bytes' };
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    ok: true,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${computeSignature(key, id, timestamp, body)}`,
    },
  };
}

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Checks the signature (any of several space-separated ones, for secret rotation) and the timestamp window. */
export function verifyWebhook(
  secret: string,
  headers: HeaderBag,
  body: Uint8Array | string,
  options: { toleranceSeconds?: number; now: Date },
): VerifyResult {
  const key = secretKey(secret);
  if (!key) return { ok: false, error: 'invalid secret' };
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, error: 'missing webhook headers' };
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) return { ok: false, error: 'invalid timestamp' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(options.now.getTime() / 1000 - seconds) > tolerance) return { ok: false, error: 'timestamp outside tolerance' };
  const expected = Buffer.from(computeSignature(key, id, timestamp, body), 'base64');
  for (const entry of signatures.split(' ')) {
    const [version, sig] = entry.split(',', 2);
    if (version !== 'v1' || !sig) continue;
    const given = Buffer.from(sig, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, error: 'no matching signature' };
}
