import { type Kysely, sql } from 'kysely';

// Migrations import no app code: they describe the schema as it was on the day they landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Every recognition looks up the account's targets for its event.
  await db.schema.createIndex('webhook_targets_account_event').on('webhook_targets').columns(['account_id', 'event']).execute();
  // WEBHOOK_URLS are synced at every start, possibly by the API and a worker at once: the index makes the sync
  // idempotent (insert ... on conflict do nothing) instead of racing into duplicate targets.
  await db.schema
    .createIndex('webhook_targets_env_unique')
    .on('webhook_targets')
    .columns(['account_id', 'url', 'event'])
    .unique()
    .where(sql.ref('source'), '=', 'env')
    .execute();
  // Deleting a target cascades to its deliveries; without this index that is a full scan.
  await db.schema.createIndex('webhook_deliveries_target').on('webhook_deliveries').column('target_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['webhook_deliveries_target', 'webhook_targets_env_unique', 'webhook_targets_account_event']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}
