import type { Context } from 'hono';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import type { ImageSource } from '../services/recognition/recognise.js';
import { RecognitionFields } from '../services/recognition/request.js';
import type { AppEnv } from './app-env.js';
import { decodeBase64Image } from './base64-image.js';
import { describeIssues } from './wire-error.js';

type RawValue = string | File | Array<string | File>;

/** Reads POST /v1/plate-reader/ from multipart, urlencoded or JSON into validated fields and an image source. */
export async function readRecognitionRequest(
  c: Context<AppEnv>,
  maxBytes: number,
): Promise<{ fields: RecognitionFields; image: ImageSource }> {
  const raw = await readBody(c);
  const { upload, ...rest } = raw;
  let file: File | undefined;
  const candidate: Record<string, unknown> = { ...rest };
  if (upload instanceof File) file = upload;
  else if (Array.isArray(upload)) throw new BadRequestError('Send one image per call in upload.');
  else if (upload !== undefined) candidate.upload = upload;

  const parsed = RecognitionFields.safeParse(candidate);
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error));
  const fields = parsed.data;

  const hasUpload = file !== undefined || fields.upload !== undefined;
  if (hasUpload && fields.upload_url) throw new BadRequestError('Send either upload or upload_url, not both.');
  if (fields.upload_url) return { fields, image: { url: fields.upload_url } };
  if (!hasUpload) throw new BadRequestError('No image: send the image in upload (file or base64) or its address in upload_url.');

  const bytes = file ? new Uint8Array(await file.arrayBuffer()) : decodeBase64Image(fields.upload ?? '');
  if (bytes.byteLength === 0) throw new BadRequestError('The uploaded file is empty.');
  if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError();
  const filename = file?.name && file.name !== 'blob' ? file.name : 'upload';
  return { fields: { ...fields, upload: undefined }, image: { bytes, filename: sanitizeFilename(filename) } };
}

async function readBody(c: Context<AppEnv>): Promise<Record<string, RawValue | unknown>> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new BadRequestError('The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestError('The JSON body must be an object.');
    }
    return body as Record<string, unknown>;
  }
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    try {
      return (await c.req.parseBody({ all: true })) as Record<string, RawValue>;
    } catch (err) {
      if (err instanceof Error && err.name === 'BodyLimitError') throw new PayloadTooLargeError();
      throw new BadRequestError('The multipart body could not be parsed.');
    }
  }
  throw new BadRequestError('Send the image as multipart/form-data or a JSON body.');
}

/** Keeps the client's name recognisable but safe to echo and to use in a path. */
function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'upload';
  const clean = base.replace(/[^\w.\- ]+/g, '_').slice(0, 200);
  return clean || 'upload';
}
