#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from './config.js';
import { VERSION } from './version.js';

/** The `platewise` command: one binary for every role, so one image serves API, worker and tools. */
const program = new Command()
  .name('platewise')
  .description('Self-hostable licence-plate reader, Snapshot-compatible')
  .version(VERSION);

program
  .command('serve', { isDefault: true })
  .description('start the HTTP API (and, without REDIS_URL, the engine in this process)')
  .action(async () => {
    const { startServer } = await import('./server.js');
    const server = await startServer(loadConfig());
    server.stopOnSignals();
  });

program
  .command('worker')
  .description('run recognition and webhook jobs from Redis (needs REDIS_URL)')
  .action(async () => {
    const { startWorker } = await import('./worker.js');
    const worker = await startWorker(loadConfig());
    worker.stopOnSignals();
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const { openDatabase } = await import('./db/client.js');
    const { migrateToLatest } = await import('./db/migrate.js');
    const config = loadConfig();
    const db = await openDatabase({ url: config.db.url, dataDir: config.db.dataDir });
    const applied = await migrateToLatest(db);
    await db.destroy();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  });

program
  .command('read')
  .description('read plates in local image files and print the API JSON (one line per file)')
  .argument('<images...>', 'image files')
  .option('-r, --regions <codes>', 'comma-separated region hints, e.g. us-ca,mx')
  .option('--config <json>', 'the API config JSON, e.g. {"mode":"fast"}', '{}')
  .option('--mmc', 'also predict vehicle orientation / colour / make where supported')
  .action(async (images: string[], opts: { regions?: string; config: string; mmc?: boolean }) => {
    const { readImages } = await import('./read-command.js');
    process.exitCode = await readImages(loadConfig(), images, opts);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
