import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { type JobHandler, type JobOptions, type JobQueue, PermanentJobError } from './job-queue.js';
import { QUEUE_PREFIX, createRedis } from './redis.js';

/**
 * JobQueue over BullMQ: one Queue per job name, one Worker per registered processor. Retry delays travel with
 * each job (BullMQ's built-in backoffs are fixed or exponential; ours is a list), so the worker's custom
 * backoff strategy reads them back from the job.
 */

interface Envelope {
  payload: object;
  retryDelaysMs: number[];
}

export interface BullMqJobQueueOptions {
  url: string;
  /** Redis key namespace; lets several deployments share one Redis. */
  prefix?: string;
  /** Concurrent jobs per worker (per job name) in this process. */
  concurrency?: number;
  log?: Logger;
}

const BACKOFF_TYPE = 'platewise-list';
// Finished jobs are kept only for inspection; bounded by count and age so Redis does not grow with traffic.
const REMOVE_ON_COMPLETE = { count: 1000, age: 24 * 3600 };
const REMOVE_ON_FAIL = { count: 5000, age: 7 * 24 * 3600 };

/** BullMQ refuses integer-looking custom ids and ':' (its key separator). */
function bullJobId(jobId: string): string {
  const safe = jobId.replaceAll(':', '_');
  return /^\d+$/.test(safe) ? `id-${safe}` : safe;
}

export class BullMqJobQueue implements JobQueue {
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly options: BullMqJobQueueOptions) {
    this.prefix = options.prefix ?? QUEUE_PREFIX;
    this.connection = createRedis(options.url);
    this.connection.on('error', (err) => options.log?.error({ err }, 'redis connection error'));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', (err) => this.options.log?.error({ err, queue: name }, 'queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add<P extends object>(name: string, payload: P, options: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error(`queue closed: cannot add ${name}`);
    const retryDelaysMs = options.retryDelaysMs ?? [];
    const data: Envelope = { payload, retryDelaysMs };
    await this.queue(name).add(name, data, {
      ...(options.jobId !== undefined ? { jobId: bullJobId(options.jobId) } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      attempts: retryDelaysMs.length + 1,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: REMOVE_ON_COMPLETE,
      removeOnFail: REMOVE_ON_FAIL,
    });
  }

  process<P extends object>(name: string, handler: JobHandler<P>): void {
    if (this.workers.has(name)) throw new Error(`a processor for ${name} is already registered`);
    const worker = new Worker<Envelope>(
      name,
      async (job: Job<Envelope>) => {
        const attempt = job.attemptsMade + 1;
        const finalAttempt = attempt >= (job.opts.attempts ?? 1);
        try {
          // The payload is what add() stored for this name; the catalog keeps names and payload types paired.
          await handler(job.data.payload as P, { attempt, finalAttempt });
        } catch (err) {
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        // Workers block on their connection: BullMQ duplicates this one for that, so the shared one stays free.
        connection: this.connection,
        prefix: this.prefix,
        concurrency: Math.max(1, this.options.concurrency ?? 4),
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { data: unknown }) => {
            const delays = (job?.data as Envelope | undefined)?.retryDelaysMs ?? [];
            return delays[attemptsMade - 1] ?? delays.at(-1) ?? 0;
          },
        },
      },
    );
    worker.on('error', (err) => this.options.log?.error({ err, queue: name }, 'worker error'));
    worker.on('failed', (job, err) =>
      this.options.log?.debug({ err, queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job attempt failed'),
    );
    this.workers.set(name, worker);
  }

  async depth(): Promise<number> {
    let total = 0;
    for (const queue of this.queues.values()) {
      total += await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    }
    return total;
  }

  /** Workers first (they finish their running jobs), then queues, then the shared connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
