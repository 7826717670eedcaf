import { sql } from 'kysely';
import type { Db } from '../client.js';

/**
 * Counts one call if the period is under `quota`, in one statement: the row lock taken by the upsert makes
 * concurrent callers (any number of processes) queue on the row, so exactly `quota` of them succeed.
 * Returns the new count, or undefined when the quota is used up.
 */
export async function incrementUsageWithinQuota(
  db: Db,
  accountId: number,
  periodStart: string,
  quota: number,
): Promise<number | undefined> {
  if (quota <= 0) return undefined;
  const row = await db
    .insertInto('usage_periods')
    .values({ account_id: accountId, period_start: periodStart, calls: 1 })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'period_start'])
        .doUpdateSet({ calls: sql`usage_periods.calls + 1` })
        .where('usage_periods.calls', '<', quota),
    )
    .returning('calls')
    .executeTakeFirst();
  return row?.calls;
}

/** Counts one call with no ceiling (SDK profile with no max_calls). */
export async function incrementUsage(db: Db, accountId: number, periodStart: string): Promise<number> {
  const row = await db
    .insertInto('usage_periods')
    .values({ account_id: accountId, period_start: periodStart, calls: 1 })
    .onConflict((oc) =>
      oc.columns(['account_id', 'period_start']).doUpdateSet({ calls: sql`usage_periods.calls + 1` }),
    )
    .returning('calls')
    .executeTakeFirstOrThrow();
  return row.calls;
}

/** Gives back a call that was counted for a recognition that then failed. */
export async function decrementUsage(db: Db, accountId: number, periodStart: string): Promise<void> {
  await db
    .updateTable('usage_periods')
    .set({ calls: sql`greatest(calls - 1, 0)` })
    .where('account_id', '=', accountId)
    .where('period_start', '=', periodStart)
    .execute();
}

export async function getUsage(db: Db, accountId: number, periodStart: string): Promise<number> {
  const row = await db
    .selectFrom('usage_periods')
    .select('calls')
    .where('account_id', '=', accountId)
    .where('period_start', '=', periodStart)
    .executeTakeFirst();
  return row?.calls ?? 0;
}

export async function getTotalUsage(db: Db, accountId: number): Promise<number> {
  const row = await db
    .selectFrom('usage_periods')
    .select(sql<number>`coalesce(sum(calls), 0)::int`.as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
