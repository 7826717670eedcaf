import type { EngineResult, RecogniseOptions } from '../engine/types.js';
import { ServiceUnavailableError } from '../errors.js';

/**
 * How the API gets a recognition done: in this process's engine pool (embedded mode) or by BullMQ `worker`
 * processes (REDIS_URL). The API awaits the result either way; the code above this interface is the same.
 */
export interface RecognitionQueue {
  recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult>;
  /** Jobs admitted and not yet finished by this API process. */
  depth(): number;
  /** True when recognitions can run now (models loaded locally, or a worker is connected). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export interface AdmissionLimits {
  maxPending: number;
  maxBytesInFlight: number;
}

/**
 * Back-pressure: a bounded count of jobs and bytes admitted at once. Past either bound the caller gets a
 * 503 with Retry-After at once, instead of memory growing with the backlog.
 */
export class Admission {
  private pending = 0;
  private bytes = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  enter(size: number): () => void {
    if (this.pending >= this.limits.maxPending) {
      throw new ServiceUnavailableError('Too many recognitions in progress; retry shortly.');
    }
    // One oversized image is still admitted when nothing else is in flight, so no valid upload is refused forever.
    if (this.pending > 0 && this.bytes + size > this.limits.maxBytesInFlight) {
      throw new ServiceUnavailableError('Too many image bytes in progress; retry shortly.');
    }
    this.pending += 1;
    this.bytes += size;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.pending -= 1;
      this.bytes -= size;
    };
  }

  get depth(): number {
    return this.pending;
  }
}

/** Rejects with `onTimeout()` if `promise` has not settled in `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
