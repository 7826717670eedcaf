import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Db, openDatabase } from './db/client.js';
import { migrateToLatest } from './db/migrate.js';
import type { Account } from './db/schema.js';
import { createEngine } from './engine/create-engine.js';
import type { Engine } from './engine/types.js';
import { BullMqJobQueue } from './jobs/bullmq-job-queue.js';
import { BullRecognitionQueue } from './jobs/bullmq-recognition-queue.js';
import { InProcessJobQueue } from './jobs/in-process-job-queue.js';
import type { JobQueue } from './jobs/job-queue.js';
import { LocalRecognitionQueue } from './jobs/local-recognition-queue.js';
import type { RecognitionQueue } from './jobs/recognition-queue.js';
import { createRedis } from './jobs/redis.js';
import { type Logger, createLogger } from './logger.js';
import { ensureLocalAccount } from './services/accounts.js';
import type { ServiceContext } from './services/context.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './services/rate-limiter.js';

/**
 * The parts every role shares, chosen by configuration: PGlite or Postgres, in-process queues or BullMQ.
 * Closing releases them in reverse order of dependency.
 */
export interface Runtime {
  config: Config;
  ctx: ServiceContext;
  jobs: JobQueue;
  rateLimiter: RateLimiter;
  localAccount: Account | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log?: Logger;
  db?: Db;
  clock?: () => Date;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(config.log.level);
  const db = options.db ?? (await openDatabase({ url: config.db.url, dataDir: config.db.dataDir }));
  await migrateToLatest(db);
  const ctx: ServiceContext = { config, db, log, clock: options.clock ?? (() => new Date()) };
  const redis: Redis | undefined = config.redis.url ? createRedis(config.redis.url) : undefined;
  const jobs: JobQueue = config.redis.url
    ? new BullMqJobQueue({ url: config.redis.url, log })
    : new InProcessJobQueue({ log, concurrency: 8 });
  const rateLimiter = redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter();
  const localAccount = config.profile === 'sdk' ? await ensureLocalAccount(ctx) : undefined;
  return {
    config,
    ctx,
    jobs,
    rateLimiter,
    localAccount,
    async close() {
      await jobs.close();
      redis?.disconnect();
      await db.destroy();
    },
  };
}

/** The API's way to recognition: its own engine pool, or BullMQ workers when Redis is configured. */
export async function createRecognitionQueue(config: Config, engine?: Engine): Promise<RecognitionQueue> {
  const limits = {
    maxPending: config.queue.maxPending,
    maxBytesInFlight: config.queue.maxBytesInFlight,
    timeoutMs: config.queue.timeoutMs,
  };
  if (config.redis.url) return new BullRecognitionQueue(config.redis.url, limits);
  if (engine) return new LocalRecognitionQueue(engine, limits, false);
  // The API listens while models load; /readiness/ reports false until they are in (SDK health probe).
  return new LocalRecognitionQueue(await createEngine(config, false), limits);
}
