import type { Config } from '../config.js';
import { DEFAULT_MODELS_DIR } from '../paths.js';
import { createEnginePool } from './engine-pool.js';
import type { Engine } from './types.js';

/**
 * The engine as configured: a worker-thread pool, so inference never blocks the event loop. With
 * `waitUntilLoaded` false the caller gets the pool at once and readiness turns true when models are loaded
 * (the SDK's /readiness/); a loading failure is still fatal.
 */
export async function createEngine(config: Config, waitUntilLoaded = true): Promise<Engine> {
  const engine = createEnginePool({
    modelsDir: config.engine.modelsDir ?? DEFAULT_MODELS_DIR,
    workers: config.engine.workers,
    niceness: config.engine.niceness,
    intraOpThreads: config.engine.threads,
    upsampleSecondPass: config.engine.upsample,
    deskew: config.engine.deskew,
    maxPixels: config.upload.maxPixels,
    maxQueue: config.queue.maxPending,
  });
  if (waitUntilLoaded) {
    await engine.started;
    return engine;
  }
  // Closing during warm-up aborts the loads too; only a load failure of a live engine is fatal.
  let closing = false;
  engine.started.catch((err: unknown) => {
    if (closing) return;
    process.stderr.write(`engine failed to load models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  return {
    recognise: (image, options) => engine.recognise(image, options),
    ready: () => engine.ready(),
    close: async () => {
      closing = true;
      await engine.close();
    },
  };
}
