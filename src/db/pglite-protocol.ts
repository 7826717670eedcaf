/**
 * Messages between the main thread and the PGlite worker (src/db/pglite-worker.ts). Values cross by
 * structured clone, which keeps Date, bigint, Uint8Array, null and object key order as they are. Errors
 * do not keep their class or own fields that way, so the worker sends the Postgres error fields as plain data
 * and the main thread rebuilds an error carrying them (`code` '23505' for a unique violation, and so on).
 */

export interface PgliteWorkerData {
  /** A directory for a file-backed database, or `memory://`. */
  dataDir: string;
  /** Run initdb on a new directory, close, and report ready; the caller then ends the thread. */
  initdbOnly: boolean;
}

export type PgliteCall = { kind: 'query'; sql: string; params: unknown[] } | { kind: 'close' };

export type PgliteRequest = PgliteCall & { id: number };

export interface PgliteQueryResult<R = unknown> {
  rows: R[];
  affectedRows?: number;
}

export type PgliteReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: SerializedDbError }
  | { id: number; ok: true; result: PgliteQueryResult | null }
  | { id: number; ok: false; error: SerializedDbError };

/** The fields of a Postgres ErrorResponse that PGlite's DatabaseError carries. */
const FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

type DbErrorField = (typeof FIELDS)[number];

export interface SerializedDbError extends Partial<Record<DbErrorField, string>> {
  name: string;
  message: string;
}

/** An error from the embedded database, with the Postgres error fields it was raised with. */
export class PgliteError extends Error implements Partial<Record<DbErrorField, string>> {
  severity?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

export function serializeDbError(e: unknown): SerializedDbError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const out: SerializedDbError = { name: e.name, message: e.message };
  const fields = e as unknown as Partial<Record<DbErrorField, unknown>>;
  for (const f of FIELDS) if (typeof fields[f] === 'string') out[f] = fields[f];
  return out;
}

/** Rebuilt on the main thread, so its stack is the caller's. */
export function deserializeDbError(s: SerializedDbError): PgliteError {
  const e = new PgliteError(s.message);
  e.name = s.name;
  for (const f of FIELDS) if (s[f] !== undefined) e[f] = s[f];
  return e;
}
