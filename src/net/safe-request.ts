import { request } from 'undici';
import { BlockedAddressError, SchemeError, agentFor, checkHop, findCause } from './guarded-agent.js';
import { type AddressPolicy, allowAll, blockPrivate } from './ip-policy.js';

/**
 * Outbound HTTP for URLs that users choose (upload_url, webhook targets): SSRF-guarded on every hop, bounded
 * in time (one deadline over all hops, headers and body) and in size. Returns a result rather than throwing,
 * so webhook delivery can record a failure and image fetching can map it to a 4xx (see safe-fetch.ts).
 */

export type SafeFailureReason = 'scheme' | 'blocked' | 'network' | 'timeout' | 'too_large' | 'redirects';

export interface SafeRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  timeoutMs: number;
  /** Response bodies over this are refused (too_large); ignored with discardBody. */
  maxBytes?: number;
  /** Read and drop the response body (webhooks only need the status). */
  discardBody?: boolean;
  /** 0 (default) returns the 3xx itself; webhook senders conventionally do not follow redirects. */
  maxRedirects?: number;
  allowPrivate?: boolean;
  /** Overrides allowPrivate; tests use it to allow their own loopback server but nothing else. */
  policy?: AddressPolicy;
}

export type SafeResult =
  | { type: 'response'; status: number; headers: Record<string, string>; body: Uint8Array; url: string }
  | { type: 'failure'; reason: SafeFailureReason; message: string; url: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** How much of an unwanted body is drained so the connection can be reused; beyond that it is closed. */
const DRAIN_LIMIT = 64 * 1024;
const DEFAULT_MAX_BYTES = 1024 * 1024;

class TooLargeError extends Error {}
class DeadlineError extends Error {}

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readLimited(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, max: number) {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) {
      body.destroy();
      throw new TooLargeError(`the response is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

export async function safeRequest(rawUrl: string, options: SafeRequestOptions): Promise<SafeResult> {
  const policy = options.policy ?? (options.allowPrivate ? allowAll : blockPrivate);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 0;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DeadlineError(`no complete answer within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  let method = options.method ?? 'GET';
  let body = options.body;
  let current = rawUrl;
  try {
    for (let hop = 0; ; hop++) {
      const url = new URL(current);
      checkHop(url, policy);
      const res = await request(url, {
        dispatcher: agentFor(policy),
        method,
        headers: options.headers,
        body,
        signal: controller.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const headers = flatHeaders(res.headers);
      const location = headers.location;
      if (REDIRECTS.has(res.statusCode) && location && hop < maxRedirects) {
        await res.body.dump({ limit: DRAIN_LIMIT });
        current = new URL(location, url).toString();
        // 303, and 301/302 after a POST, turn into a GET without a body (what browsers and fetch do).
        if (res.statusCode === 303 || (method === 'POST' && res.statusCode !== 307 && res.statusCode !== 308)) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      if (REDIRECTS.has(res.statusCode) && location && maxRedirects > 0) {
        await res.body.dump({ limit: DRAIN_LIMIT });
        return { type: 'failure', reason: 'redirects', message: `more than ${maxRedirects} redirects`, url: current };
      }
      if (options.discardBody) {
        await res.body.dump({ limit: DRAIN_LIMIT });
        return { type: 'response', status: res.statusCode, headers, body: new Uint8Array(), url: current };
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        throw new TooLargeError(`the response declares ${declared} bytes, over the limit of ${maxBytes}`);
      }
      const bytes = await readLimited(res.body, maxBytes);
      return { type: 'response', status: res.statusCode, headers, body: bytes, url: current };
    }
  } catch (err) {
    return { type: 'failure', ...classify(err, controller.signal), url: current };
  } finally {
    clearTimeout(timer);
  }
}

function classify(err: unknown, signal: AbortSignal): { reason: SafeFailureReason; message: string } {
  if (err instanceof TooLargeError) return { reason: 'too_large', message: err.message };
  const blocked = findCause(err, BlockedAddressError);
  if (blocked) return { reason: 'blocked', message: blocked.message };
  const scheme = findCause(err, SchemeError);
  if (scheme) return { reason: 'scheme', message: scheme.message };
  if (signal.aborted && signal.reason instanceof DeadlineError) return { reason: 'timeout', message: signal.reason.message };
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { reason: 'timeout', message: 'the server did not answer in time' };
  }
  if (err instanceof TypeError && /Invalid URL/i.test(err.message)) return { reason: 'scheme', message: 'not a valid URL' };
  const text = err instanceof Error ? err.message : String(err);
  return { reason: 'network', message: typeof code === 'string' ? `${code}: ${text}` : text };
}
