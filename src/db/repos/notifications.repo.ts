import { sql } from 'kysely';
import type { Db } from '../client.js';

/** Inserts once per dedupe key; returns true only for the caller that created it. */
export async function insertNotificationOnce(
  db: Db,
  values: { accountId: number; kind: string; message: string; data: Record<string, unknown>; dedupeKey: string },
): Promise<boolean> {
  const row = await db
    .insertInto('notifications')
    .values({
      account_id: values.accountId,
      kind: values.kind,
      message: values.message,
      // Cast in SQL: postgres.js would otherwise encode the JSON text a second time into the jsonb column.
      data: sql<string>`${JSON.stringify(values.data)}::text::jsonb`,
      dedupe_key: values.dedupeKey,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function listNotifications(db: Db, accountId: number) {
  return db
    .selectFrom('notifications')
    .select(['id', 'kind', 'message', 'data', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
}
