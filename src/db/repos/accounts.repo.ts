import type { Db } from '../client.js';
import type { Account } from '../schema.js';

export async function insertAccount(
  db: Db,
  values: { name: string; monthlyQuota: number; ratePerSecond: number; createdAt: Date },
): Promise<Account> {
  return db
    .insertInto('accounts')
    .values({
      name: values.name,
      monthly_quota: values.monthlyQuota,
      rate_limit_per_second: values.ratePerSecond,
      created_at: values.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findAccount(db: Db, id: number): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findAccountByName(db: Db, name: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('name', '=', name).orderBy('id').executeTakeFirst();
}

export async function countAccounts(db: Db): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateAccountQuota(db: Db, id: number, monthlyQuota: number): Promise<Account> {
  return db
    .updateTable('accounts')
    .set({ monthly_quota: monthlyQuota })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
