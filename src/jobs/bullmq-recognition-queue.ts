import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EngineResult, RecogniseOptions } from '../engine/types.js';
import { TimeoutError } from '../errors.js';
import { Admission, type AdmissionLimits, type RecognitionQueue, withTimeout } from './recognition-queue.js';
import { RECOGNITION_QUEUE, type RecognitionJobData, decodeJobError, imageKeyFor } from './recognition-job.js';
import { QUEUE_PREFIX, createRedis } from './redis.js';

/**
 * Scaled-out mode: the API stores the image under its own key with a TTL, enqueues a small job and awaits
 * the result; `worker` processes on any machine run the engine. A worker killed mid-job leaves the job
 * stalled; BullMQ hands it to another worker and the caller still gets its answer.
 */
export class BullRecognitionQueue implements RecognitionQueue {
  private readonly admission: Admission;
  private readonly queue: Queue<RecognitionJobData, EngineResult>;
  private readonly events: QueueEvents;
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly limits: AdmissionLimits & { timeoutMs: number },
  ) {
    this.admission = new Admission(limits);
    this.redis = createRedis(url);
    this.queue = new Queue(RECOGNITION_QUEUE, { connection: createRedis(url), prefix: QUEUE_PREFIX });
    this.events = new QueueEvents(RECOGNITION_QUEUE, { connection: createRedis(url), prefix: QUEUE_PREFIX });
  }

  async recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult> {
    const leave = this.admission.enter(image.byteLength);
    const id = randomUUID();
    const imageKey = imageKeyFor(id);
    try {
      // The TTL bounds what an abandoned job can leave behind in Redis.
      await this.redis.set(imageKey, Buffer.from(image.buffer, image.byteOffset, image.byteLength), 'PX', this.limits.timeoutMs + 60_000);
      const job = await this.queue.add(
        'recognise',
        { imageKey, options },
        {
          jobId: id,
          // Retries cover workers that die mid-job; engine errors are permanent and do not retry.
          attempts: 3,
          backoff: { type: 'fixed', delay: 100 },
          removeOnComplete: { age: 300, count: 1000 },
          removeOnFail: { age: 3600, count: 1000 },
        },
      );
      try {
        return await withTimeout(job.waitUntilFinished(this.events, this.limits.timeoutMs), this.limits.timeoutMs + 1000, () => new TimeoutError());
      } catch (err) {
        if (err instanceof Error && /timed out/i.test(err.message)) throw new TimeoutError();
        if (err instanceof TimeoutError) throw err;
        throw decodeJobError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      leave();
    }
  }

  depth(): number {
    return this.admission.depth;
  }

  async ready(): Promise<boolean> {
    try {
      return (await this.queue.getWorkersCount()) > 0;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}
