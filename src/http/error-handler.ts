import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AppEnv } from './app-env.js';
import { describeIssues, wireError } from './wire-error.js';

/**
 * The one place errors become responses. Typed errors keep their status and message; anything else is logged
 * with the request id and answered with a generic 500: no stack trace ever reaches a client.
 */
export function handleError(err: unknown, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(wireError(err.message, err.status), err.status as ContentfulStatusCode);
  }
  if (err instanceof z.ZodError) {
    return c.json(wireError(describeIssues(err), 400), 400);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const detail = status === 413 ? 'The uploaded file is too large.' : err.message || 'Bad request.';
    return c.json(wireError(detail, status), status);
  }
  c.get('log')?.error({ err }, 'unhandled error');
  return c.json(wireError('Internal server error.', 500), 500);
}

export function handleNotFound(c: Context<AppEnv>) {
  return c.json(wireError('Not found.', 404), 404);
}
