import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { type Db, openDatabase } from '../../src/db/client.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { insertAccount } from '../../src/db/repos/accounts.repo.js';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { InProcessJobQueue } from '../../src/jobs/in-process-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { createLogger } from '../../src/logger.js';
import type { ServiceContext } from '../../src/services/context.js';

/** Databases the suites run against: PGlite always, a real Postgres when DATABASE_URL is set. */
export const DATABASES: { name: string; url: string | undefined }[] = [
  { name: 'pglite', url: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'postgres', url: process.env.TEST_DATABASE_URL }] : []),
];
const RUN_PREFIX = `pw-test-${randomUUID().slice(0, 8)}`;
let queueCount = 0;

/** Queues likewise: in-process always, BullMQ when REDIS_URL is set (each queue in its own key prefix). */
export const QUEUES: { name: string; make: () => JobQueue }[] = [
  { name: 'in-process', make: () => new InProcessJobQueue({ concurrency: 4 }) },
  ...(process.env.TEST_REDIS_URL
    ? [{ name: 'bullmq', make: () => new BullMqJobQueue({ url: process.env.TEST_REDIS_URL ?? '', prefix: `${RUN_PREFIX}-${++queueCount}` }) }]
    : []),
];

/** Removes this run's BullMQ keys, leaving the shared Redis as it was. */
export async function cleanRedis(): Promise<void> {
  if (!process.env.TEST_REDIS_URL) return;
  const redis = new Redis(process.env.TEST_REDIS_URL);
  const keys = await redis.keys(`${RUN_PREFIX}-*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}

export const TEST_ENV = {
  LOG_LEVEL: 'silent',
  ALLOW_PRIVATE_URLS: '1',
  WEBHOOK_RETRY_DELAYS_MS: '50,100',
  WEBHOOK_MAX_FAILURES: '2',
  WEBHOOK_TIMEOUT_MS: '1000',
};

export async function openTestDb(url: string | undefined): Promise<Db> {
  const db = await openDatabase({ url, dataDir: 'memory://' });
  await migrateToLatest(db);
  return db;
}

export function makeContext(db: Db, env: Record<string, string> = {}): ServiceContext {
  return { config: loadConfig({ ...TEST_ENV, ...env }), db, log: createLogger('silent'), clock: () => new Date() };
}

/** A fresh account per test keeps tests independent on a shared Postgres without truncating tables. */
export async function newAccount(db: Db): Promise<number> {
  const account = await insertAccount(db, { name: `t-${randomUUID()}`, monthlyQuota: 100, ratePerSecond: 1, createdAt: new Date() });
  return account.id;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
