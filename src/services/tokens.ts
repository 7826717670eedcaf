import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens look like the vendor's (40 hex characters) so clients that validate the shape keep working.
 * The first 8 characters are a lookup prefix stored in clear; the whole token is stored only as SHA-256
 * (tokens are 160 random bits, so a fast hash is enough; no password stretching needed).
 */
export const TOKEN_PREFIX_LENGTH = 8;

export function generateToken(): string {
  return randomBytes(20).toString('hex');
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX_LENGTH);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets of any length (admin token). */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
