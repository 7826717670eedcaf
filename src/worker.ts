import type { Config } from './config.js';
import { createEngine } from './engine/create-engine.js';
import { startRecognitionWorker } from './jobs/recognition-worker.js';
import { createRuntime } from './runtime.js';
import { registerWebhookJobs } from './services/recognition/events.js';
import { stopOnSignals } from './shutdown.js';

/**
 * The `worker` role for scaled-out deployments: runs recognition jobs on its own engine pool and delivers
 * webhooks. Start as many as needed, on any machine that reaches Redis and Postgres.
 */
export async function startWorker(config: Config) {
  if (!config.redis.url) throw new Error('The worker role needs REDIS_URL (without it, `serve` runs everything).');
  const runtime = await createRuntime(config);
  const engine = await createEngine(config);
  const recognition = startRecognitionWorker({
    url: config.redis.url,
    engine,
    concurrency: config.engine.workers,
    log: runtime.ctx.log,
  });
  await registerWebhookJobs(runtime.ctx, runtime.jobs);
  runtime.ctx.log.info({ workers: config.engine.workers }, 'worker started');

  async function stop() {
    // Running jobs finish before the engine and connections go away.
    await recognition.close();
    await engine.close();
    await runtime.close();
  }
  return { stop, stopOnSignals: () => stopOnSignals(stop, runtime.ctx.log, config.shutdownTimeoutMs) };
}
