import { randomBytes } from 'node:crypto';
import { safeRequest } from '../net/safe-request.js';
import type { AddressPolicy } from '../net/ip-policy.js';
import { signWebhook } from './sign.js';

/**
 * Sends one webhook attempt. The body is built here, byte for byte, so the signature covers exactly what goes
 * on the wire (also for multipart). Never throws: a refused address, a timeout or a non-2xx is a failed
 * attempt that the caller records.
 */

export interface DeliveryRequest {
  url: string;
  targetId: number;
  event: string;
  secret: string;
  /** Stable across retries of one delivery, so receivers can de-duplicate (Standard Webhooks `webhook-id`). */
  messageId: string;
  data: unknown;
  /** Present only for with-image targets: sent as multipart with the image in `upload`. */
  image?: { bytes: Uint8Array; filename: string } | undefined;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Overrides allowPrivate (tests). */
  policy?: AddressPolicy;
  now: Date;
}

export type DeliveryResult =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status?: number; error: string; durationMs: number };

/** The contract's envelope: `{"hook":{"target","id","event"},"data":{...}}`. */
export function webhookBody(url: string, targetId: number, event: string, data: unknown): string {
  return JSON.stringify({ hook: { target: url, id: targetId, event }, data });
}

const MIME_BY_MAGIC: ReadonlyArray<readonly [number[], string, string]> = [
  [[0xff, 0xd8, 0xff], 'image/jpeg', 'jpg'],
  [[0x89, 0x50, 0x4e, 0x47], 'image/png', 'png'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif', 'gif'],
  [[0x42, 0x4d], 'image/bmp', 'bmp'],
  [[0x52, 0x49, 0x46, 0x46], 'image/webp', 'webp'],
];

export function sniffImageType(bytes: Uint8Array): { mime: string; ext: string } {
  for (const [magic, mime, ext] of MIME_BY_MAGIC) {
    if (magic.every((b, i) => bytes[i] === b)) return { mime, ext };
  }
  return { mime: 'application/octet-stream', ext: 'bin' };
}

/** Quotes and backslashes would end the quoted filename early; CR/LF would start a new header. */
function headerSafe(name: string): string {
  return name.replace(/["\\\r\n]/g, '_');
}

/** multipart/form-data with a `json` text field and an `upload` file field, in that order. */
export function multipartBody(json: string, image: { bytes: Uint8Array; filename: string }) {
  const boundary = `----platewise${randomBytes(12).toString('hex')}`;
  const type = sniffImageType(image.bytes);
  const filename = headerSafe(image.filename || `upload.${type.ext}`);
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="${filename}"\r\n` +
    `Content-Type: ${type.mime}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head, 'utf8'), image.bytes, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function deliverWebhook(req: DeliveryRequest): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const json = webhookBody(req.url, req.targetId, req.event, req.data);
  const { body, contentType } = req.image
    ? multipartBody(json, req.image)
    : { body: Buffer.from(json, 'utf8'), contentType: 'application/json' };
  const signed = signWebhook(req.secret, req.messageId, body, req.now);
  if (!signed.ok) return { ok: false, error: `not signed: ${signed.error}`, durationMs: elapsed() };
  const result = await safeRequest(req.url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': 'Platewise-Webhooks/1', ...signed.headers },
    body,
    timeoutMs: req.timeoutMs,
    discardBody: true,
    allowPrivate: req.allowPrivate,
    ...(req.policy ? { policy: req.policy } : {}),
  });
  if (result.type === 'failure') return { ok: false, error: `${result.reason}: ${result.message}`, durationMs: elapsed() };
  if (result.status >= 200 && result.status < 300) return { ok: true, status: result.status, durationMs: elapsed() };
  return { ok: false, status: result.status, error: `the target answered ${result.status}`, durationMs: elapsed() };
}
