/**
 * Worker-thread entry that owns the embedded PGlite database. PGlite runs Postgres as WebAssembly in the
 * calling thread; here its queries (and their garbage) stay off the HTTP event loop. One request at a time
 * reaches this thread per holder (the dialect lends the connection to one holder at a time), and PGlite
 * runs what arrives in order.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { type PgliteReply, type PgliteRequest, type PgliteWorkerData, serializeDbError } from './pglite-protocol.js';

if (!parentPort) throw new Error('pglite-worker.ts runs as a worker thread.');
const port: MessagePort = parentPort;

async function openPglite({ dataDir, initdbOnly }: PgliteWorkerData): Promise<PGlite | undefined> {
  if (dataDir === 'memory://') return PGlite.create();
  const db = await PGlite.create(dataDir);
  if (!initdbOnly) return db;
  await db.close();
  return undefined;
}

const reply = (message: PgliteReply) => port.postMessage(message);

async function handle(db: PGlite, request: PgliteRequest): Promise<void> {
  try {
    if (request.kind === 'close') {
      await db.close();
      reply({ id: request.id, ok: true, result: null });
      port.close();
      return;
    }
    const { rows, affectedRows } = await db.query(request.sql, request.params);
    reply({ id: request.id, ok: true, result: affectedRows === undefined ? { rows } : { rows, affectedRows } });
  } catch (e) {
    reply({ id: request.id, ok: false, error: serializeDbError(e) });
  }
}

// No top-level await: from source this file is loaded by require() (see pglite-worker-client.ts).
openPglite(workerData as PgliteWorkerData).then(
  (db) => {
    if (db) port.on('message', (request: PgliteRequest) => void handle(db, request));
    reply({ kind: 'ready' });
  },
  (e: unknown) => reply({ kind: 'failed', error: serializeDbError(e) }),
);
