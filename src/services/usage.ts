import {
  decrementUsage,
  getTotalUsage,
  getUsage,
  incrementUsage,
  incrementUsageWithinQuota,
} from '../db/repos/usage.repo.js';
import type { Account } from '../db/schema.js';
import { QuotaExceededError } from '../errors.js';
import { billingPeriod } from './billing-period.js';
import type { ServiceContext } from './context.js';

/** Share of the monthly quota at which the owner is warned once per period. */
export const WARNING_SHARE = 0.95;

export interface CallReservation {
  accountId: number;
  periodStart: string;
  /** Calls in the period including this one. */
  calls: number;
  /** True for exactly the call that reached the warning share of the quota. */
  reachedWarning: boolean;
}

/**
 * Counts a call before the work, so concurrent callers cannot overrun the quota; a call whose recognition then
 * fails is given back with refundCall, so only successful recognitions stay counted. A quota of 0 means
 * unlimited (SDK profile without max_calls).
 */
export async function reserveCall(ctx: ServiceContext, account: Account): Promise<CallReservation> {
  const period = billingPeriod(account.created_at, ctx.clock());
  const quota = account.monthly_quota;
  if (quota === 0) {
    const calls = await incrementUsage(ctx.db, account.id, period.start);
    return { accountId: account.id, periodStart: period.start, calls, reachedWarning: false };
  }
  const calls = await incrementUsageWithinQuota(ctx.db, account.id, period.start, quota);
  if (calls === undefined) throw new QuotaExceededError();
  const threshold = Math.ceil(quota * WARNING_SHARE);
  return { accountId: account.id, periodStart: period.start, calls, reachedWarning: calls === threshold };
}

export async function refundCall(ctx: ServiceContext, reservation: CallReservation): Promise<void> {
  await decrementUsage(ctx.db, reservation.accountId, reservation.periodStart);
}

export async function usageStatistics(ctx: ServiceContext, account: Account) {
  const period = billingPeriod(account.created_at, ctx.clock());
  const calls = await getUsage(ctx.db, account.id, period.start);
  return {
    usage: {
      month: period.month,
      calls,
      year: period.year,
      resets_on: `${period.resetsOn.toISOString().slice(0, 19)}Z`,
    },
    total_calls: account.monthly_quota,
  };
}

export async function lifetimeCalls(ctx: ServiceContext, account: Account): Promise<number> {
  return getTotalUsage(ctx.db, account.id);
}

export async function currentCalls(ctx: ServiceContext, account: Account): Promise<number> {
  return getUsage(ctx.db, account.id, billingPeriod(account.created_at, ctx.clock()).start);
}
