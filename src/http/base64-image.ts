import { BadRequestError } from '../errors.js';

const DATA_URL_PREFIX = /^data:[\w.+-]+\/[\w.+-]+(;[\w-]+=[\w.-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes the text form of `upload`: standard or URL-safe base64, wrapped at any width (`base64` wraps at 76
 * columns), with or without a `data:image/...;base64,` prefix. Anything else is a 400, not garbage bytes.
 */
export function decodeBase64Image(text: string): Uint8Array {
  const compact = text.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (compact.length === 0) throw new BadRequestError('The upload field is empty.');
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new BadRequestError('The upload field is neither a file nor valid base64.');
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}
