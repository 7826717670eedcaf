import type { MiddlewareHandler } from 'hono';
import type { Account } from '../db/schema.js';
import { ForbiddenError, InvalidTokenError, RateLimitedError } from '../errors.js';
import { authenticate } from '../services/accounts.js';
import type { ServiceContext } from '../services/context.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { secretEquals } from '../services/tokens.js';
import type { AppEnv } from './app-env.js';

/** `Authorization: Token <token>` (the vendor's scheme); `Bearer` is accepted too. */
function readCredential(header: string | undefined, schemes: string[]): string | undefined {
  if (!header) return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match?.[1] || !match[2]) return undefined;
  return schemes.includes(match[1].toLowerCase()) ? match[2] : undefined;
}

export function tokenAuth(ctx: ServiceContext): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = readCredential(c.req.header('authorization'), ['token', 'bearer']);
    c.set('account', await authenticate(ctx, token));
    await next();
  };
}

/** SDK profile: no auth; every call is the local account's. */
export function localAccount(account: Account): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('account', account);
    await next();
  };
}

/** Admin routes exist only with ADMIN_TOKEN set; a wrong token is the same 403 as a wrong API token. */
export function adminAuth(adminToken: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = readCredential(c.req.header('authorization'), ['bearer']);
    if (!given || !secretEquals(given, adminToken)) throw new InvalidTokenError();
    await next();
  };
}

export function rateLimit(limiter: RateLimiter, clock: () => Date): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const account = c.get('account');
    if (!account) throw new ForbiddenError();
    const waitMs = await limiter.take(`acct:${account.id}`, account.rate_limit_per_second, clock().getTime());
    if (waitMs > 0) throw new RateLimitedError(waitMs / 1000);
    await next();
  };
}
