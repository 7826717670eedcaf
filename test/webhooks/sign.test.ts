import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook } from '../../src/webhooks/sign.js';

// Risk: receivers using a Standard Webhooks library reject our signatures, or we accept forged/replayed ones.
// The Standard Webhooks specification's published test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (seconds: number) => new Date(seconds * 1000);

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    const signed = signWebhook(VECTOR.secret, VECTOR.id, VECTOR.body, at(VECTOR.timestamp));
    expect(signed).toEqual({
      ok: true,
      headers: { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature },
    });
  });
  it('signs raw bytes the same as the equal string', () => {
    const a = signWebhook(VECTOR.secret, 'm', Buffer.from('{"x":"é"}'), at(1));
    const b = signWebhook(VECTOR.secret, 'm', '{"x":"é"}', at(1));
    expect(a).toEqual(b);
  });
  it('returns an error result for a malformed secret instead of throwing', () => {
    expect(signWebhook('not-a-secret', 'm', '{}', at(1))).toMatchObject({ ok: false });
    expect(signWebhook('whsec_c2hvcnQ=', 'm', '{}', at(1))).toMatchObject({ ok: false });
  });
  it('generates whsec_ secrets of 32 random bytes', () => {
    const s = generateWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(s);
  });
});

describe('verifyWebhook', () => {
  const headers = {
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': VECTOR.signature,
  };
  it('accepts the vector within the tolerance, also from a Headers object and among several signatures', () => {
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: at(VECTOR.timestamp + 299) })).toEqual({ ok: true });
    expect(verifyWebhook(VECTOR.secret, new Headers(headers), VECTOR.body, { now: at(VECTOR.timestamp) })).toEqual({ ok: true });
    const rotated = { ...headers, 'webhook-signature': `v1,AAAA v1a,xyz ${VECTOR.signature}` };
    expect(verifyWebhook(VECTOR.secret, rotated, VECTOR.body, { now: at(VECTOR.timestamp) })).toEqual({ ok: true });
  });
  it('rejects a tampered body, id or timestamp', () => {
    const now = { now: at(VECTOR.timestamp) };
    expect(verifyWebhook(VECTOR.secret, headers, '{"test": 2432232315}', now).ok).toBe(false);
    expect(verifyWebhook(VECTOR.secret, { ...headers, 'webhook-id': 'msg_other' }, VECTOR.body, now).ok).toBe(false);
    expect(
      verifyWebhook(VECTOR.secret, { ...headers, 'webhook-timestamp': String(VECTOR.timestamp + 1) }, VECTOR.body, now).ok,
    ).toBe(false);
  });
  it('rejects a timestamp outside the tolerance, either way (replay)', () => {
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: at(VECTOR.timestamp + 301) })).toEqual({
      ok: false,
      error: 'timestamp outside tolerance',
    });
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: at(VECTOR.timestamp - 301) }).ok).toBe(false);
  });
  it('rejects missing headers and the wrong secret', () => {
    expect(verifyWebhook(VECTOR.secret, {}, VECTOR.body, { now: at(VECTOR.timestamp) }).ok).toBe(false);
    const other = generateWebhookSecret();
    expect(verifyWebhook(other, headers, VECTOR.body, { now: at(VECTOR.timestamp) }).ok).toBe(false);
  });
});
