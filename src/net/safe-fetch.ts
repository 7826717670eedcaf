import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import { BlockedAddressError, SchemeError, resolveAndCheck } from './guarded-agent.js';
import { type AddressPolicy, allowAll, blockPrivate } from './ip-policy.js';
import { safeRequest } from './safe-request.js';

export { type SafeRequestOptions, type SafeResult, safeRequest } from './safe-request.js';
export { isBlockedAddress } from './ip-policy.js';

export interface FetchImageOptions {
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
  /** Overrides allowPrivate (tests). */
  policy?: AddressPolicy;
}

/** Image hosts commonly bounce through a CDN or a short link; five is what browsers' fetch treats as plenty. */
const MAX_REDIRECTS = 5;

/**
 * Fetches `upload_url` for recognition. Every refusal is the client's problem (400), except an image over the
 * upload limit (413, the same answer as an oversize `upload`).
 */
export async function fetchImage(url: string, options: FetchImageOptions): Promise<{ bytes: Uint8Array; filename: string }> {
  const result = await safeRequest(url, {
    method: 'GET',
    headers: { accept: 'image/*', 'user-agent': 'Platewise (+upload_url fetch)' },
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    maxRedirects: MAX_REDIRECTS,
    allowPrivate: options.allowPrivate,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  if (result.type === 'failure') {
    switch (result.reason) {
      case 'too_large':
        throw new PayloadTooLargeError(`The image at upload_url is too large: ${result.message}.`);
      case 'blocked':
        throw new BadRequestError(
          'upload_url points to a private or reserved address, which this server does not fetch.',
          'upload_url_refused',
        );
      case 'scheme':
        throw new BadRequestError(`upload_url was refused: ${result.message}.`, 'upload_url_refused');
      default:
        throw new BadRequestError(`Could not fetch upload_url: ${result.message}.`, 'upload_url_unreachable');
    }
  }
  if (result.status < 200 || result.status > 299) {
    throw new BadRequestError(`Could not fetch upload_url: the server answered ${result.status}.`, 'upload_url_unreachable');
  }
  if (result.body.byteLength === 0) throw new BadRequestError('upload_url returned an empty body.', 'upload_url_unreachable');
  return { bytes: result.body, filename: filenameOf(result.url, result.headers['content-disposition']) };
}

/** The name a client would see for an uploaded file: Content-Disposition first, then the URL's last segment. */
export function filenameOf(url: string, disposition: string | undefined): string {
  const fromHeader = disposition && /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  let name = fromHeader || new URL(url).pathname.split('/').pop() || '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // keep the raw segment: a malformed escape is still a usable name
  }
  // The name is echoed in responses and webhook bodies: no paths, no control characters, bounded length.
  const clean = name.replace(/[\p{Cc}\\/]/gu, '').slice(-100);
  return clean || 'upload';
}

/**
 * Validates a webhook target URL when it is created: http(s), and (unless private addresses are allowed) a
 * hostname that resolves only to public addresses now. Delivery checks again at connect time, since DNS can
 * change later.
 */
export async function assertPublicUrl(url: string, allowPrivate: boolean): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError('The webhook URL is not a valid URL.', 'invalid_url');
  }
  try {
    await resolveAndCheck(parsed, allowPrivate ? allowAll : blockPrivate);
  } catch (err) {
    if (err instanceof SchemeError) throw new BadRequestError(`The webhook URL was refused: ${err.message}.`, 'invalid_url');
    if (err instanceof BlockedAddressError) {
      throw new BadRequestError('The webhook URL points to a private or reserved address.', 'invalid_url');
    }
    throw new BadRequestError(`The webhook URL's host could not be resolved (${parsed.hostname}).`, 'invalid_url');
  }
  return parsed;
}
