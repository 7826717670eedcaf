import type { Db } from '../client.js';

export async function insertToken(db: Db, values: { accountId: number; prefix: string; hash: string }) {
  await db
    .insertInto('api_tokens')
    .values({ account_id: values.accountId, prefix: values.prefix, hash: values.hash })
    .execute();
}

export async function findActiveTokenByPrefix(db: Db, prefix: string) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('accounts', 'accounts.id', 'api_tokens.account_id')
    .select(['api_tokens.hash', 'api_tokens.account_id'])
    .where('api_tokens.prefix', '=', prefix)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function findTokenByPrefix(db: Db, prefix: string) {
  return db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

/** Returns how many tokens were revoked (0 when the prefix is unknown or already revoked). */
export async function revokeTokenByPrefix(db: Db, prefix: string, at: Date): Promise<number> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function listTokenPrefixes(db: Db, accountId: number) {
  return db
    .selectFrom('api_tokens')
    .select(['prefix', 'created_at', 'revoked_at'])
    .where('account_id', '=', accountId)
    .orderBy('id')
    .execute();
}
