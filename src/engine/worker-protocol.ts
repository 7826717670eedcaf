/**
 * Messages between the engine pool and its worker threads. Errors cannot cross a thread boundary with
 * their class (structured clone keeps only plain data), so the worker sends a plain object and the main
 * thread rebuilds the typed error of src/errors.ts.
 */
import { AppError, BadRequestError, InvalidImageError, PayloadTooLargeError } from '../errors.js';
import type { PipelineConfig } from './pipeline.js';
import type { EngineResult, RecogniseOptions } from './types.js';

/** What each worker thread starts with. */
export interface WorkerData {
  pipeline: PipelineConfig;
  /** Added to the thread's nice value (thread-priority.ts); 0 leaves it at the process's. */
  niceness: number;
}

export type WorkerTask =
  | { kind: 'warmup' }
  | { kind: 'recognise'; image: ArrayBuffer; byteOffset: number; byteLength: number; options: RecogniseOptions };

export interface SerializedError {
  name: string;
  message: string;
  status?: number;
  code?: string;
}

export type WorkerReply = { ok: true; result: EngineResult | null } | { ok: false; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof AppError) return { name: e.name, message: e.message, status: e.status, code: e.code };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** Rebuild the typed error; anything not a client error becomes a plain Error (a 500 upstream). */
export function deserializeError(s: SerializedError): Error {
  switch (s.name) {
    case 'InvalidImageError':
      return new InvalidImageError(s.message);
    case 'PayloadTooLargeError':
      return new PayloadTooLargeError(s.message, s.code);
    case 'BadRequestError':
      return new BadRequestError(s.message, s.code);
    default: {
      const e = new Error(s.message);
      e.name = s.name;
      return e;
    }
  }
}
