import { type Kysely, sql } from 'kysely';

// jsonb reorders object keys; webhook bodies must carry the recognition response in the vendor's key order,
// so the stored payload becomes json, which keeps the text as written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries ALTER COLUMN payload TYPE json USING payload::text::json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries ALTER COLUMN payload TYPE jsonb USING payload::jsonb`.execute(db);
}
