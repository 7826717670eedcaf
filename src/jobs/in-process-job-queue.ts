import type { Logger } from '../logger.js';
import { type JobHandler, type JobOptions, type JobQueue, PermanentJobError } from './job-queue.js';

/**
 * The queue for a single process without Redis: timers and an in-memory list. Nothing survives a restart, by
 * design: work that must not be lost (webhook deliveries) is persisted by its service and re-enqueued at start.
 */

interface QueuedJob {
  name: string;
  payload: object;
  jobId: string | undefined;
  retryDelaysMs: number[];
  /** 1-based number of the next try. */
  attempt: number;
}

export interface InProcessJobQueueOptions {
  /** Handlers running at once, across all job names. */
  concurrency?: number;
  log?: Logger;
}

export class InProcessJobQueue implements JobQueue {
  private readonly handlers = new Map<string, JobHandler<object>>();
  private readonly ready: QueuedJob[] = [];
  private readonly timers = new Map<NodeJS.Timeout, QueuedJob>();
  private readonly running = new Set<Promise<void>>();
  /** Ids of jobs waiting, delayed or running: the de-duplication window, like BullMQ's for live jobs. */
  private readonly liveIds = new Set<string>();
  private readonly concurrency: number;
  private closed = false;

  constructor(private readonly options: InProcessJobQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async add<P extends object>(name: string, payload: P, options: JobOptions = {}): Promise<void> {
    if (this.closed) throw new Error(`queue closed: cannot add ${name}`);
    if (options.jobId !== undefined) {
      if (this.liveIds.has(options.jobId)) return;
      this.liveIds.add(options.jobId);
    }
    const job: QueuedJob = { name, payload, jobId: options.jobId, retryDelaysMs: options.retryDelaysMs ?? [], attempt: 1 };
    this.schedule(job, options.delayMs ?? 0);
  }

  process<P extends object>(name: string, handler: JobHandler<P>): void {
    if (this.handlers.has(name)) throw new Error(`a processor for ${name} is already registered`);
    // Payloads are whatever add() was given for this name; the catalog keeps names and payload types paired.
    this.handlers.set(name, handler as JobHandler<object>);
    this.pump();
  }

  async depth(): Promise<number> {
    return this.ready.length + this.timers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    this.ready.length = 0;
    await Promise.allSettled([...this.running]);
  }

  private schedule(job: QueuedJob, delayMs: number): void {
    if (delayMs <= 0) {
      this.ready.push(job);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(job);
      this.pump();
    }, delayMs);
    this.timers.set(timer, job);
  }

  /** Starts ready jobs that have a handler, up to the concurrency; jobs without one wait for process(). */
  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.ready.length && this.running.size < this.concurrency; ) {
      const job = this.ready[i];
      const handler = job && this.handlers.get(job.name);
      if (!job || !handler) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      const run = this.run(job, handler).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: QueuedJob, handler: JobHandler<object>): Promise<void> {
    const finalAttempt = job.attempt > job.retryDelaysMs.length;
    try {
      await handler(job.payload, { attempt: job.attempt, finalAttempt });
      this.release(job);
    } catch (err) {
      const permanent = err instanceof PermanentJobError;
      if (permanent || finalAttempt || this.closed) {
        this.options.log?.warn({ err, job: job.name, jobId: job.jobId, attempt: job.attempt }, 'job failed for good');
        this.release(job);
        return;
      }
      const delay = job.retryDelaysMs[job.attempt - 1] ?? 0;
      this.options.log?.debug({ err, job: job.name, attempt: job.attempt, retryInMs: delay }, 'job failed, will retry');
      job.attempt += 1;
      this.schedule(job, delay);
    }
  }

  private release(job: QueuedJob): void {
    if (job.jobId !== undefined) this.liveIds.delete(job.jobId);
  }
}
