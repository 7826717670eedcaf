/**
 * Background jobs (webhook deliveries, notifications): BullMQ over Redis when REDIS_URL is set, an in-process
 * timer queue otherwise. Callers see only this interface, so the code above it is the same in both modes.
 * Payloads carry ids and small values, never images.
 */
export interface JobOptions {
  /** De-duplicates: adding a job whose id is already queued is a no-op. */
  jobId?: string;
  delayMs?: number;
  /** Delays before each retry; attempts = retryDelaysMs.length + 1. */
  retryDelaysMs?: number[];
}

export interface JobContext {
  /** 1 for the first try. */
  attempt: number;
  /** True when no retry remains after this attempt. */
  finalAttempt: boolean;
}

/** Thrown by a handler to stop retrying (the job is failed for good). */
export class PermanentJobError extends Error {}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface JobQueue {
  add<P extends object>(name: string, payload: P, options?: JobOptions): Promise<void>;
  /** Registers the processor for a job name; only processes that register run jobs. */
  process<P extends object>(name: string, handler: JobHandler<P>): void;
  /** Jobs waiting or delayed. */
  depth(): Promise<number>;
  /** Stops taking jobs, waits for running ones. */
  close(): Promise<void>;
}
