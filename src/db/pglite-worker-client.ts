/**
 * The main thread's handle on the PGlite worker (src/db/pglite-worker.ts): query() and close(), what
 * PGliteDialect needs, over the worker's message port with a request id per call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PgliteClient } from './pglite-dialect.js';
import {
  type PgliteCall,
  type PgliteQueryResult,
  type PgliteReply,
  type PgliteRequest,
  type PgliteWorkerData,
  deserializeDbError,
} from './pglite-protocol.js';

/** Running from TypeScript sources (tsx, vitest): the worker needs tsx's loader to import a .ts entry. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function workerEntry(): URL {
  return new URL(FROM_SOURCE ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
}

/**
 * Node 20 does not apply tsx's ESM hooks inside worker threads (piscina gets by because it require()s its
 * entry), so from source a one-line CommonJS script registers tsx's require hook and requires the entry.
 */
function startFromSource(workerData: PgliteWorkerData): Worker {
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const entry = fileURLToPath(workerEntry());
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true, workerData });
}

interface Pending {
  resolve(result: PgliteQueryResult | null): void;
  reject(error: Error): void;
}

/** Starts a worker and resolves once it has opened the database, or rejects with why it could not. */
async function startWorker(workerData: PgliteWorkerData): Promise<Worker> {
  const worker = FROM_SOURCE ? startFromSource(workerData) : new Worker(workerEntry(), { workerData });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`The PGlite worker exited (code ${code}) while opening the database.`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: PgliteReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if ('kind' in message && message.kind === 'ready') resolve();
      else {
        reject('kind' in message && message.kind === 'failed' ? deserializeDbError(message.error) : new Error('Unexpected first message from the PGlite worker.'));
        void worker.terminate();
      }
    });
  });
  return worker;
}

/**
 * Starts the worker and resolves once it has opened the database (`memory://` or a directory). A new
 * directory is first initialised by a worker of its own: initdb leaves ~450 MB of WebAssembly memory and
 * buffers behind, which only the end of that thread gives back for certain (a closed instance in a long-lived
 * thread waits for a GC that may not come: server RSS at readiness 900 MB that way, 520 MB this way).
 */
export async function openPgliteWorker(dataDir: string): Promise<PgliteClient> {
  if (dataDir !== 'memory://' && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await (await startWorker({ dataDir, initdbOnly: true })).terminate();
  }
  const worker = await startWorker({ dataDir, initdbOnly: false });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let gone: Error | undefined;

  // Like an in-thread PGlite, an idle database must not keep the process alive; one with calls in flight must.
  worker.unref();
  const settle = (id: number): Pending | undefined => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return p;
  };
  worker.on('message', (message: PgliteReply) => {
    if (!('id' in message)) return;
    const p = settle(message.id);
    if (message.ok) p?.resolve(message.result);
    else p?.reject(deserializeDbError(message.error));
  });
  const fail = (error: Error) => {
    gone ??= error;
    for (const [id, p] of pending) {
      settle(id);
      p.reject(error);
    }
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The PGlite worker exited (code ${code}).`)));

  const send = (call: PgliteCall): Promise<PgliteQueryResult | null> => {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      try {
        worker.postMessage({ ...call, id } satisfies PgliteRequest);
      } catch (e) {
        // A parameter structured clone cannot copy (a function, a class with private state).
        reject(e);
        return;
      }
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
    });
  };

  let closing: Promise<void> | undefined;
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<PgliteQueryResult<R>> {
      return (await send({ kind: 'query', sql, params: [...params] })) as PgliteQueryResult<R>;
    },
    close(): Promise<void> {
      closing ??= (async () => {
        try {
          if (!gone) await send({ kind: 'close' });
        } finally {
          gone = new Error('The embedded database is closed.');
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
}
