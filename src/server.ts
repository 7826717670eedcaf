import { type ServerType, serve } from '@hono/node-server';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { Engine } from './engine/types.js';
import { createMetrics } from './metrics.js';
import { fetchImage } from './net/safe-fetch.js';
import { buildHealthApp } from './routes/health/probes.js';
import { type RuntimeOptions, createRecognitionQueue, createRuntime } from './runtime.js';
import { ensureBootstrapAccount } from './services/accounts.js';
import { createRecognitionEvents, registerWebhookJobs, syncSdkWebhooks } from './services/recognition/events.js';
import { stopOnSignals } from './shutdown.js';

export interface ServerOptions extends RuntimeOptions {
  /** An engine built by the caller (tests share one across servers); default: from config. */
  engine?: Engine;
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], host: string, port: number): Promise<ServerType> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: host, port }, () => resolve(server));
  });
}

/** Starts the API (and in embedded mode the engine and job processors) and returns a handle to stop it. */
export async function startServer(config: Config, options: ServerOptions = {}) {
  const runtime = await createRuntime(config, options);
  const { ctx } = runtime;
  if (config.profile === 'cloud') {
    const { printedToken } = await ensureBootstrapAccount(ctx);
    // Shown once, on the first start with an empty database; only its hash is stored.
    if (printedToken) process.stdout.write(`\nPlatewise API token (shown once): ${printedToken}\n\n`);
  } else if (runtime.localAccount) {
    await syncSdkWebhooks(ctx, runtime.localAccount.id);
  }
  const queue = await createRecognitionQueue(config, options.engine);
  const metrics = createMetrics(() => queue.depth());
  // Deliveries are I/O-bound, so the API process delivers too; with Redis, workers share the load.
  await registerWebhookJobs(ctx, runtime.jobs, metrics);
  const events = createRecognitionEvents(ctx, runtime.jobs);
  const app = buildApp({
    ctx,
    recognition: {
      queue,
      events,
      fetchImage: (url) =>
        fetchImage(url, {
          timeoutMs: config.upload.urlTimeoutMs,
          maxBytes: config.upload.maxBytes,
          allowPrivate: config.upload.allowPrivateUrls,
        }),
    },
    jobs: runtime.jobs,
    rateLimiter: runtime.rateLimiter,
    metrics,
    localAccount: runtime.localAccount,
  });

  let shuttingDown = false;
  const http = await listen(app.fetch, config.http.host, config.http.port);
  const health =
    config.profile === 'sdk'
      ? await listen(buildHealthApp(queue, () => shuttingDown).fetch, config.http.host, config.http.healthPort)
      : undefined;
  const address = (s: ServerType) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  };
  ctx.log.info({ port: address(http), profile: config.profile, redis: Boolean(config.redis.url) }, 'listening');

  async function stop() {
    shuttingDown = true;
    // Stop accepting, let in-flight requests (and their recognitions) finish, then release everything.
    await new Promise<void>((resolve) => http.close(() => resolve()));
    if (health) await new Promise<void>((resolve) => health.close(() => resolve()));
    await queue.close();
    await events.drain();
    await runtime.close();
  }

  return {
    app,
    ctx,
    jobs: runtime.jobs,
    port: address(http),
    healthPort: health ? address(health) : undefined,
    stop,
    stopOnSignals: () => stopOnSignals(stop, ctx.log, config.shutdownTimeoutMs),
  };
}

export type RunningServer = Awaited<ReturnType<typeof startServer>>;
