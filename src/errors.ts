/**
 * Typed application errors. Services and the engine throw these; one handler (src/http/error-handler.ts)
 * maps them to the Snapshot wire format `{"detail": ..., "status_code": ...}`. Nothing here knows about HTTP
 * beyond the status number each error carries.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed (missing image, bad field, bad config). */
export class BadRequestError extends AppError {
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}

/** 400: bytes that are not a decodable image (truncated, corrupt, unsupported format). */
export class InvalidImageError extends AppError {
  constructor(message = 'The uploaded file is not a valid image.') {
    super(400, 'invalid_image', message);
  }
}

/** 413: upload over the byte limit, or an image whose declared pixel count is over the pixel limit. */
export class PayloadTooLargeError extends AppError {
  constructor(message = 'The uploaded file is too large.', code = 'payload_too_large') {
    super(413, code, message);
  }
}

/** The 413 for an image whose declared pixel count is over the pixel limit (a decompression bomb's shape). */
export function tooManyPixelsError(): PayloadTooLargeError {
  return new PayloadTooLargeError('The image has too many pixels.', 'too_many_pixels');
}

/** 403 with the exact DRF message clients match on. */
export class InvalidTokenError extends AppError {
  constructor() {
    super(403, 'invalid_token', 'Invalid token.');
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to perform this action.', code = 'forbidden') {
    super(403, code, message);
  }
}

export class QuotaExceededError extends AppError {
  constructor() {
    super(403, 'quota_exceeded', 'Your monthly quota of calls is used up. It resets on the date given by GET /v1/statistics/.');
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    const s = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      429,
      'throttled',
      `Request was throttled. Expected available in ${s} second${s === 1 ? '' : 's'}.`,
      { 'Retry-After': String(s) },
    );
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}

/** 503: overloaded (queue full) or not ready (models loading); clients may retry. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(503, 'unavailable', message, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** 504: the recognition job did not finish in time. */
export class TimeoutError extends AppError {
  constructor(message = 'Recognition timed out.') {
    super(504, 'timeout', message);
  }
}
