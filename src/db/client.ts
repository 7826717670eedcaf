import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { PGliteDialect } from './pglite-dialect.js';
import { openPgliteWorker } from './pglite-worker-client.js';
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
  // PGlite runs in a worker thread: its queries are WebAssembly that would otherwise block the event loop.
  if (options.dataDir === 'memory://') return new Kysely<Database>({ dialect: new PGliteDialect(await openPgliteWorker('memory://')) });
  const dir = path.resolve(options.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return new Kysely<Database>({ dialect: new PGliteDialect(await openPgliteWorker(dir)) });
}
