import { UnrecoverableError, Worker } from 'bullmq';
import type { Engine, EngineResult } from '../engine/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RECOGNITION_QUEUE, type RecognitionJobData, encodeJobError } from './recognition-job.js';
import { QUEUE_PREFIX, createRedis } from './redis.js';

/**
 * The `worker` role: pulls recognition jobs and runs them on this process's engine pool. The engine runs in
 * worker threads, so this event loop stays free to renew job locks while models compute.
 */
export function startRecognitionWorker(options: {
  url: string;
  engine: Engine;
  concurrency: number;
  log: Logger;
}): Worker<RecognitionJobData, EngineResult> {
  const redis = createRedis(options.url);
  const worker = new Worker<RecognitionJobData, EngineResult>(
    RECOGNITION_QUEUE,
    async (job) => {
      const image = await redis.getBuffer(job.data.imageKey);
      if (!image) throw new UnrecoverableError('The image expired before a worker took the job.');
      try {
        const result = await options.engine.recognise(new Uint8Array(image), job.data.options);
        await redis.del(job.data.imageKey);
        return result;
      } catch (err) {
        if (err instanceof AppError) {
          await redis.del(job.data.imageKey);
          throw new UnrecoverableError(encodeJobError(err));
        }
        throw err;
      }
    },
    {
      connection: createRedis(options.url),
      prefix: QUEUE_PREFIX,
      concurrency: options.concurrency,
      // A dead worker's job is noticed within ~lockDuration and moved back to the wait list.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, err) => options.log.warn({ jobId: job?.id, err: err.message }, 'recognition job failed'));
  const close = worker.close.bind(worker);
  worker.close = async (force?: boolean) => {
    await close(force);
    redis.disconnect();
  };
  return worker;
}
