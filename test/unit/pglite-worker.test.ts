// Risk covered: the embedded database runs in a worker thread, so every value and error crosses a thread
// boundary by structured clone. Values must come back exactly as in-thread PGlite gave them, Postgres error
// fields must survive, transactions must not interleave, and closing must neither hang nor leave calls waiting.
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect, type PgliteClient } from '../../src/db/pglite-dialect.js';
import { PgliteError } from '../../src/db/pglite-protocol.js';
import { openPgliteWorker } from '../../src/db/pglite-worker-client.js';

// One database for the file: starting PGlite takes seconds, and the tests run in order.
describe('PGlite in a worker thread', () => {
  let client: PgliteClient;
  let db: Kysely<unknown>;
  beforeAll(async () => {
    client = await openPgliteWorker('memory://');
    db = new Kysely<unknown>({ dialect: new PGliteDialect(client) });
    await sql`create table t (id serial primary key, name text unique, n int8, at timestamptz, doc json, bin bytea)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('round-trips dates, int8, json key order, bytea and nulls', async () => {
    const at = new Date('2026-11-23T09:30:01.234Z');
    // Key order as the vendor writes it, not sorted; json (unlike jsonb) keeps the text.
    const payload = '{"processing_time":12.5,"results":[{"plate":"abc123","box":{"ymin":1,"xmin":2}}],"filename":"x.jpg"}';
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    await sql`insert into t (name, n, at, doc, bin) values ('a', ${9007199254740993n}, ${at}, ${payload}::text::json, ${bytes})`.execute(db);
    await sql`insert into t (name, n, at, doc, bin) values ('b', null, null, null, null)`.execute(db);
    const { rows } = await sql<{ name: string; n: bigint | null; at: Date | null; doc: unknown; bin: Uint8Array | null }>`
      select name, n, at, doc, bin from t order by id`.execute(db);
    const [a, b] = rows;
    expect(a?.n).toBe(9007199254740993n);
    expect(a?.at).toBeInstanceOf(Date);
    expect(a?.at?.getTime()).toBe(at.getTime());
    expect(JSON.stringify(a?.doc)).toBe(payload);
    expect(a?.bin).toBeInstanceOf(Uint8Array);
    expect([...(a?.bin ?? [])]).toEqual([...bytes]);
    expect(b).toEqual({ name: 'b', n: null, at: null, doc: null, bin: null });
  });

  it('reports affected rows as Kysely expects them', async () => {
    await sql`insert into t (name) values ('c1'), ('c2')`.execute(db);
    const result = await sql`update t set n = 1 where name like 'c%'`.execute(db);
    expect(result.numAffectedRows).toBe(2n);
  });

  it('keeps the Postgres error fields across the thread boundary', async () => {
    await sql`insert into t (name) values ('dup')`.execute(db);
    const err = await sql`insert into t (name) values ('dup')`.execute(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgliteError);
    expect(err).toMatchObject({ code: '23505', constraint: 't_name_key', table: 't', severity: 'ERROR' });
    expect((err as Error).message).toMatch(/duplicate key/);
    const syntax = await sql`selec 1`.execute(db).catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601' });
    // The connection is usable after an error.
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('runs concurrent transactions one after the other', async () => {
    await sql`create table counter (v int)`.execute(db);
    await sql`insert into counter values (0)`.execute(db);
    const bump = () =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ v: number }>`select v from counter`.execute(trx);
        // Another holder would run its statements here if the connection were shared.
        await new Promise((r) => setTimeout(r, 5));
        await sql`update counter set v = ${(rows[0]?.v ?? 0) + 1}`.execute(trx);
      });
    await Promise.all(Array.from({ length: 5 }, bump));
    expect((await sql<{ v: number }>`select v from counter`.execute(db)).rows).toEqual([{ v: 5 }]);
  });

  it('rolls a failed transaction back', async () => {
    const failed = db.transaction().execute(async (trx) => {
      await sql`insert into t (name) values ('rolled-back')`.execute(trx);
      await sql`insert into t (name) values ('dup')`.execute(trx);
    });
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect((await sql`select 1 from t where name = 'rolled-back'`.execute(db)).rows).toEqual([]);
  });

  it('rejects a parameter that cannot be cloned without losing the connection', async () => {
    await expect(client.query('select $1::text', [() => 1])).rejects.toThrow();
    expect((await client.query<{ v: string }>('select $1::text as v', ['ok'])).rows).toEqual([{ v: 'ok' }]);
  });

  it('closes once, and rejects calls after closing instead of hanging', async () => {
    const inFlight = client.query('select pg_sleep(0.05)');
    await Promise.all([db.destroy(), client.close()]);
    await expect(inFlight).resolves.toBeDefined();
    await expect(client.query('select 1')).rejects.toThrow(/closed/);
  });
});

describe('PGlite worker start', () => {
  it('fails to open, rather than hanging, when PGlite cannot start', async () => {
    // IndexedDB exists only in browsers: PGlite rejects at once, which is the path a bad data directory takes.
    await expect(openPgliteWorker('idb://platewise')).rejects.toThrow(/indexedDB/);
  });
;
});
