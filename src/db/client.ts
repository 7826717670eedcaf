import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DbOptions {
  /** postgres:// URL: a real server through postgres.js. */
  url?: string | undefined;
  /** Directory for the embedded PGlite database; `memory://` keeps it in memory (tests). */
  dataDir: string;
}

export async function openDatabase(options: DbOptions): Promise<Db> {
  if (options.url) {
    const pg = postgres(options.url, { max: 10, onnotice: () => {} });
    // A bounded end(): a query still queued for a connection at shutdown must not keep the process alive.
    const bounded = { reserve: () => pg.reserve(), end: () => pg.end({ timeout: 5 }) };
    // A factory, because the dialect takes a plain object for a lazily created client.
    return new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: () => bounded }) });
  }
  if (options.dataDir === 'memory://') return new Kysely<Database>({ dialect: new PGliteDialect(await PGlite.create()) });
  const dir = path.resolve(options.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return new Kysely<Database>({ dialect: new PGliteDialect(await openPglite(dir)) });
}

/**
 * The first open of a new data directory runs initdb, which leaves ~450 MB of WebAssembly memory and buffers
 * behind for the life of the instance; closing and reopening drops it (peak RSS about 800 -> 430 MB).
 */
async function openPglite(dir: string): Promise<PGlite> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return PGlite.create(dir);
  const initialised = await PGlite.create(dir);
  await initialised.close();
  return PGlite.create(dir);
}
