/**
 * Engine implementations: `createEnginePool` runs the pipeline in piscina worker threads (the service's
 * engine), `createInlineEngine` in the calling thread (CLI, eval, tests).
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Piscina } from 'piscina';
import { ServiceUnavailableError } from '../errors.js';
import { createPipeline, DEFAULT_PIPELINE_CONFIG, type PipelineConfig } from './pipeline.js';
import type { Engine, EngineResult, RecogniseOptions } from './types.js';
import { deserializeError, type WorkerData, type WorkerReply, type WorkerTask } from './worker-protocol.js';

export interface EnginePoolOptions extends Partial<Omit<PipelineConfig, 'modelsDir'>> {
  modelsDir: string;
  /** Worker threads; default one per core minus one for the event loop, at least one. */
  workers?: number;
  /** Nice value added to each worker thread (thread-priority.ts) so the event loop runs first; default 0. */
  niceness?: number;
  /** Requests waiting for a worker before recognise() answers 503; default 16 per worker. */
  maxQueue?: number;
  /**
   * Move the caller's image buffer to the worker instead of a copy of it, detaching `image` in the caller.
   * Only for callers that never touch the bytes again; default false.
   */
  transferInput?: boolean;
}

export interface PooledEngine extends Engine {
  /** Resolves once every worker has loaded the models; rejects if loading fails (bad manifest, hash). */
  readonly started: Promise<void>;
}

/**
 * The heap a worker's V8 isolate starts with. The engine's own heap stays at 12-20 MB, but every call also moves
 * ~10 MB of pixel buffers through it, and from V8's default start size that set off a full GC every one or two
 * calls (in-process --trace-gc at 1920x1080: 55 in 90 calls; 12-15 from 64 MB). One pool worker, 30 dev photos
 * x 4, runs alternated: CPU per call 1920x1080 131 / 131 / 124 -> 118 / 110 / 102 ms, 1280x720 78 / 70 -> 72 / 67,
 * 800x600 46 / 46 -> 44 / 49 (no change); `npm run bench` peak RSS 874-944 MB either way. Larger start sizes
 * collect less often still, but let garbage pile up further: resident memory has to stay under 1 GB.
 */
const WORKER_INITIAL_HEAP_MB = 64;

/** Running from TypeScript sources (tsx, vitest): workers need tsx's loader to import a .ts entry. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * The workers' execArgv: undefined (inherit the process's) unless tsx's loader has to be added. A Worker given an
 * explicit execArgv refuses every V8 option in it (ERR_WORKER_INVALID_EXEC_ARGV), so passing process.execArgv
 * on made `node --max-old-space-size=2048 dist/src/cli.js serve` fail to start its engine; inherited, the
 * same options are taken (V8's flags are the process's anyway).
 */
function workerExecArgv(): string[] | undefined {
  if (!FROM_SOURCE || process.execArgv.some((a) => a.includes('tsx'))) return undefined;
  return [...process.execArgv, '--import', 'tsx'];
}

function workerEntry(): URL {
  return new URL(FROM_SOURCE ? './engine-worker.ts' : './engine-worker.js', import.meta.url);
}

function unwrap(reply: WorkerReply): EngineResult | null {
  if (!reply.ok) throw deserializeError(reply.error);
  return reply.result;
}

/** The view's ArrayBuffer when the view covers all of it (safe to transfer), else undefined. */
function ownedBuffer(image: Uint8Array): ArrayBuffer | undefined {
  const b = image.buffer;
  return b instanceof ArrayBuffer && image.byteOffset === 0 && image.byteLength === b.byteLength ? b : undefined;
}

/** Copy into a fresh ArrayBuffer (Buffer#slice would return a view, not a copy). */
function copyToOwnBuffer(image: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(image.byteLength);
  copy.set(image);
  return copy.buffer;
}

export function createEnginePool(opts: EnginePoolOptions): PooledEngine {
  const { workers: w, maxQueue: q, transferInput = false, niceness = 0, ...rest } = opts;
  const config: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, ...rest };
  const workerData: WorkerData = { pipeline: config, niceness };
  const workers = w ?? Math.max(1, availableParallelism() - 1);
  // V8 reads this when an isolate is created: set before the workers start, it sizes theirs (the main
  // thread's heap, created before, keeps V8's defaults).
  setFlagsFromString(`--initial-heap-size=${WORKER_INITIAL_HEAP_MB}`);
  const pool = new Piscina({
    filename: workerEntry().href,
    workerData,
    minThreads: workers,
    maxThreads: workers,
    maxQueue: q ?? 16 * workers,
    // One task per worker at a time: a second would only wait behind the blocking run().
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: workerExecArgv(),
  });
  let isReady = false;
  let closed = false;
  // One warm-up per worker: each blocks its worker until the models are loaded, so all N land on distinct workers.
  const warmups = Array.from({ length: workers }, () => pool.run({ kind: 'warmup' } satisfies WorkerTask).then(unwrap));
  const started = Promise.all(warmups).then(() => {
    isReady = true;
  });
  started.catch(() => undefined);

  return {
    started,
    ready: () => isReady && !closed,
    async recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult> {
      if (closed) throw new ServiceUnavailableError('The engine is shutting down.');
      // The bytes cross the thread boundary by transfer, not structured clone. By default we transfer a copy
      // (one memcpy, ~0.1 ms/MB): callers keep using the upload after recognition (webhooks with the
      // image). With `transferInput` the caller's own buffer is moved and `image` is detached afterwards;
      // a view into a larger or shared buffer (Node's Buffer pool) is always copied.
      const buffer = (transferInput ? ownedBuffer(image) : undefined) ?? copyToOwnBuffer(image);
      const task: WorkerTask = { kind: 'recognise', image: buffer, byteOffset: 0, byteLength: image.byteLength, options };
      let reply: WorkerReply;
      try {
        reply = (await pool.run(task, { transferList: [buffer] })) as WorkerReply;
      } catch (e) {
        if (e instanceof Error && /queue is at limit/i.test(e.message)) {
          throw new ServiceUnavailableError('The engine is busy; retry shortly.');
        }
        throw e;
      }
      const result = unwrap(reply);
      if (!result) throw new Error('Engine worker returned no result.');
      return result;
    },
    async close(): Promise<void> {
      closed = true;
      await pool.destroy();
    },
  };
}

/** The pipeline in the calling thread: for the CLI and eval scripts, never the HTTP server. */
export async function createInlineEngine(opts: { modelsDir: string } & Partial<PipelineConfig>): Promise<Engine> {
  const pipeline = await createPipeline({ ...DEFAULT_PIPELINE_CONFIG, ...opts });
  return {
    recognise: (image, options) => pipeline.recognise(image, options),
    ready: () => true,
    close: async () => undefined,
  };
}
