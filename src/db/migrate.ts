import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './client.js';

/**
 * migrations/ holds .ts sources; the build compiles them to dist/migrations/*.js. Migration names drop the
 * extension, so a database migrated from either reads the same history.
 *
 * The import happens here rather than in Kysely's FileMigrationProvider: an import() from our own module goes
 * through whatever loader runs our code (tsx, vitest), while one from node_modules would be Node's own, which
 * cannot load .ts files on Node 20.
 */
// Two levels up in both layouts: src/db → migrations, dist/src/db → dist/migrations.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const provider: MigrationProvider = {
  async getMigrations() {
    const dir = MIGRATIONS_DIR;
    const files = (await readdir(dir)).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(path.join(dir, file)).href)) as Migration;
    }
    return migrations;
  },
};

export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
