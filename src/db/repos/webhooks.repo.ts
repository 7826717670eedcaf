import { sql } from 'kysely';
import type { Db } from '../client.js';
import type { WebhookDelivery, WebhookTarget } from '../schema.js';

/** Target columns that may leave the service: the secret is shown once, at creation, and never listed. */
const PUBLIC_TARGET_COLUMNS = ['id', 'url', 'event', 'with_image', 'source', 'consecutive_failures', 'created_at'] as const;

export type PublicWebhookTarget = Omit<WebhookTarget, 'secret' | 'account_id'>;

interface NewTarget {
  accountId: number;
  url: string;
  event: string;
  withImage: boolean;
  secret: string;
  createdAt: Date;
}

function targetRow(v: NewTarget, source: 'api' | 'env') {
  return {
    account_id: v.accountId,
    url: v.url,
    event: v.event,
    with_image: v.withImage,
    secret: v.secret,
    source,
    created_at: v.createdAt,
  };
}

export async function insertTarget(db: Db, v: NewTarget & { source: 'api' | 'env' }): Promise<WebhookTarget> {
  return db.insertInto('webhook_targets').values(targetRow(v, v.source)).returningAll().executeTakeFirstOrThrow();
}

/** Env targets are unique per (account, url, event) by a partial index, so concurrent starts insert once. */
export async function insertEnvTargetIfMissing(db: Db, v: NewTarget): Promise<WebhookTarget | undefined> {
  return db
    .insertInto('webhook_targets')
    .values(targetRow(v, 'env'))
    .onConflict((oc) => oc.columns(['account_id', 'url', 'event']).where('source', '=', 'env').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function countTargets(db: Db, accountId: number): Promise<number> {
  const row = await db
    .selectFrom('webhook_targets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listTargets(db: Db, accountId: number): Promise<PublicWebhookTarget[]> {
  return db
    .selectFrom('webhook_targets')
    .select(PUBLIC_TARGET_COLUMNS)
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();
}

export async function listTargetsBySource(db: Db, accountId: number, source: 'api' | 'env'): Promise<WebhookTarget[]> {
  return db
    .selectFrom('webhook_targets')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('source', '=', source)
    .orderBy('id')
    .execute();
}

export async function listTargetsForEvent(db: Db, accountId: number, event: string) {
  return db
    .selectFrom('webhook_targets')
    .select(['id', 'with_image'])
    .where('account_id', '=', accountId)
    .where('event', '=', event)
    .execute();
}

export async function findTarget(db: Db, id: number): Promise<WebhookTarget | undefined> {
  return db.selectFrom('webhook_targets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes only the owner's target; 0 rows means not found (or not theirs: the caller cannot tell, on purpose). */
export async function deleteOwnedTarget(db: Db, accountId: number, id: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_targets')
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteTargets(db: Db, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom('webhook_targets').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Atomic increment; returns the new count, or undefined when the target is already gone. */
export async function incrementTargetFailures(db: Db, id: number): Promise<number | undefined> {
  const row = await db
    .updateTable('webhook_targets')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
    .where('id', '=', id)
    .returning('consecutive_failures')
    .executeTakeFirst();
  return row?.consecutive_failures;
}

export async function resetTargetFailures(db: Db, id: number): Promise<void> {
  await db
    .updateTable('webhook_targets')
    .set({ consecutive_failures: 0 })
    .where('id', '=', id)
    .where('consecutive_failures', '<>', 0)
    .execute();
}

export async function insertDeliveries(
  db: Db,
  rows: { targetId: number; event: string; payload: string; image: Uint8Array | null; at: Date }[],
): Promise<{ id: number; target_id: number }[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('webhook_deliveries')
    .values(
      rows.map((r) => ({
        target_id: r.targetId,
        event: r.event,
        // Cast from text: postgres.js would otherwise JSON-encode the already-encoded string a second time.
        payload: sql<string>`${r.payload}::text::json`,
        // postgres.js recognises Buffers as bytea, not bare Uint8Arrays; PGlite takes either.
        image: r.image ? Buffer.from(r.image.buffer, r.image.byteOffset, r.image.byteLength) : null,
        next_attempt_at: r.at,
        created_at: r.at,
      })),
    )
    .returning(['id', 'target_id'])
    .execute();
}

export async function findDelivery(db: Db, id: number): Promise<WebhookDelivery | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Finishes a delivery: the stored image is dropped as soon as it is no longer needed. */
export async function finishDelivery(
  db: Db,
  id: number,
  v: { status: 'delivered' | 'failed'; attempts: number; error: string | null; at: Date },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: v.status, attempts: v.attempts, last_error: v.error, completed_at: v.at, next_attempt_at: v.at, image: null })
    .where('id', '=', id)
    .execute();
}

export async function recordDeliveryRetry(
  db: Db,
  id: number,
  v: { attempts: number; error: string; nextAttemptAt: Date },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ attempts: v.attempts, last_error: v.error, next_attempt_at: v.nextAttemptAt })
    .where('id', '=', id)
    .execute();
}

/** Keyset page over pending deliveries (by id), for re-enqueueing at start. */
export async function listPendingDeliveries(db: Db, afterId: number, limit: number) {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Finished deliveries older than `before` are history nobody reads; bounded so one call stays short. */
export async function deleteFinishedDeliveriesBefore(db: Db, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '<>', 'pending')
        .where('completed_at', '<', before)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function listDeliveriesForTarget(db: Db, targetId: number) {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event', 'status', 'attempts', 'last_error', 'next_attempt_at', 'created_at', 'completed_at'])
    .where('target_id', '=', targetId)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
}
