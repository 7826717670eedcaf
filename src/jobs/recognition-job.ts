import {
  AppError,
  BadRequestError,
  InvalidImageError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from '../errors.js';
import type { RecogniseOptions } from '../engine/types.js';

/** BullMQ job catalog entry for recognitions. The image travels beside the job, never inside it. */
export const RECOGNITION_QUEUE = 'recognition';

export interface RecognitionJobData {
  /** Redis key holding the image bytes; deleted when the job finishes for good. */
  imageKey: string;
  options: RecogniseOptions;
}

export const imageKeyFor = (id: string) => `platewise:image:${id}`;

/**
 * A permanent job failure carries the typed error across processes as the job's failed reason, so the API
 * answers the worker's 400/413 exactly as in embedded mode.
 */
const MARK = 'platewise-error:';

export function encodeJobError(err: AppError): string {
  return MARK + JSON.stringify({ status: err.status, code: err.code, message: err.message });
}

export function decodeJobError(reason: string): AppError {
  const at = reason.indexOf(MARK);
  if (at < 0) return new ServiceUnavailableError('Recognition failed in the worker; retry shortly.');
  try {
    const { status, code, message } = JSON.parse(reason.slice(at + MARK.length)) as {
      status: number;
      code: string;
      message: string;
    };
    if (status === 413) return new PayloadTooLargeError(message, code);
    if (code === 'invalid_image') return new InvalidImageError(message);
    if (status === 400) return new BadRequestError(message, code);
    return new AppError(status, code, message);
  } catch {
    return new ServiceUnavailableError('Recognition failed in the worker; retry shortly.');
  }
}
