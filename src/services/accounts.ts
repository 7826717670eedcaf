import {
  countAccounts,
  findAccount,
  findAccountByName,
  insertAccount,
  updateAccountQuota,
} from '../db/repos/accounts.repo.js';
import {
  findActiveTokenByPrefix,
  findTokenByPrefix,
  insertToken,
  revokeTokenByPrefix,
} from '../db/repos/tokens.repo.js';
import type { Account } from '../db/schema.js';
import { BadRequestError, InvalidTokenError, NotFoundError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { TOKEN_PREFIX_LENGTH, generateToken, hashToken, tokenMatches, tokenPrefix } from './tokens.js';

export interface NewAccountInput {
  name: string;
  monthlyQuota?: number | undefined;
  ratePerSecond?: number | undefined;
}

export async function createAccount(ctx: ServiceContext, input: NewAccountInput, token?: string) {
  const account = await insertAccount(ctx.db, {
    name: input.name,
    monthlyQuota: input.monthlyQuota ?? ctx.config.plans.monthlyQuota,
    ratePerSecond: input.ratePerSecond ?? ctx.config.plans.ratePerSecond,
    createdAt: ctx.clock(),
  });
  const issued = await issueToken(ctx, account.id, token);
  return { account, token: issued };
}

export async function getAccount(ctx: ServiceContext, id: number): Promise<Account> {
  const account = await findAccount(ctx.db, id);
  if (!account) throw new NotFoundError('Account not found.');
  return account;
}

export async function issueToken(ctx: ServiceContext, accountId: number, token = generateToken()) {
  if (token.length < TOKEN_PREFIX_LENGTH + 8) throw new BadRequestError('Tokens must be at least 16 characters.');
  await getAccount(ctx, accountId);
  await insertToken(ctx.db, { accountId, prefix: tokenPrefix(token), hash: hashToken(token) });
  return token;
}

export async function revokeToken(ctx: ServiceContext, prefix: string): Promise<void> {
  const revoked = await revokeTokenByPrefix(ctx.db, prefix, ctx.clock());
  if (revoked === 0) throw new NotFoundError('Token not found.');
}

/** Resolves `Authorization: Token <token>` to its account; any mismatch is the same 403. */
export async function authenticate(ctx: ServiceContext, token: string | undefined): Promise<Account> {
  if (!token || token.length < TOKEN_PREFIX_LENGTH) throw new InvalidTokenError();
  const row = await findActiveTokenByPrefix(ctx.db, tokenPrefix(token));
  if (!row || !tokenMatches(token, row.hash)) throw new InvalidTokenError();
  const account = await findAccount(ctx.db, row.account_id);
  if (!account) throw new InvalidTokenError();
  return account;
}

/**
 * Start-up: BOOTSTRAP_TOKEN names a token that must work after start (idempotent across restarts and
 * processes racing on an empty database); with none set, an empty database gets one account whose token is
 * returned once so the caller can print it.
 */
export async function ensureBootstrapAccount(ctx: ServiceContext): Promise<{ printedToken?: string }> {
  const wanted = ctx.config.auth.bootstrapToken;
  if (wanted) {
    const existing = await findTokenByPrefix(ctx.db, tokenPrefix(wanted));
    if (existing && tokenMatches(wanted, existing.hash)) return {};
    if (existing) throw new Error('BOOTSTRAP_TOKEN shares its first 8 characters with another token.');
    await createAccount(ctx, { name: 'bootstrap' }, wanted);
    return {};
  }
  if ((await countAccounts(ctx.db)) > 0) return {};
  const { token } = await createAccount(ctx, { name: 'default' });
  return { printedToken: token };
}

/** The SDK profile has no accounts on the wire; usage and webhooks hang off one local account. */
export async function ensureLocalAccount(ctx: ServiceContext): Promise<Account> {
  const existing = await findAccountByName(ctx.db, 'sdk-local');
  // SDK_MAX_CALLS is configuration, not stored state: a restart with a new value applies it.
  if (existing && existing.monthly_quota !== ctx.config.sdk.maxCalls) {
    return updateAccountQuota(ctx.db, existing.id, ctx.config.sdk.maxCalls);
  }
  if (existing) return existing;
  return insertAccount(ctx.db, {
    name: 'sdk-local',
    monthlyQuota: ctx.config.sdk.maxCalls,
    ratePerSecond: 0,
    createdAt: ctx.clock(),
  });
}
