import type { Engine, EngineResult, RecogniseOptions } from '../engine/types.js';
import { TimeoutError } from '../errors.js';
import { Admission, type AdmissionLimits, type RecognitionQueue, withTimeout } from './recognition-queue.js';

/** Embedded mode: the engine's worker-thread pool in this process, behind the same admission bounds. */
export class LocalRecognitionQueue implements RecognitionQueue {
  private readonly admission: Admission;
  private readonly running = new Set<Promise<unknown>>();
  private readonly timeoutMs: number;

  constructor(
    private readonly engine: Engine,
    limits: AdmissionLimits & { timeoutMs: number },
    /** False when the engine is shared with others (tests) and closed by its owner. */
    private readonly ownsEngine = true,
  ) {
    this.admission = new Admission(limits);
    this.timeoutMs = limits.timeoutMs;
  }

  async recognise(image: Uint8Array, options: RecogniseOptions): Promise<EngineResult> {
    const leave = this.admission.enter(image.byteLength);
    const job = this.engine.recognise(image, options);
    this.running.add(job);
    try {
      return await withTimeout(job, this.timeoutMs, () => new TimeoutError());
    } finally {
      // The slot is held until the engine is really done, even when the caller gave up on a timeout.
      job.finally(() => {
        this.running.delete(job);
        leave();
      }).catch(() => {});
    }
  }

  depth(): number {
    return this.admission.depth;
  }

  async ready(): Promise<boolean> {
    return this.engine.ready();
  }

  /** Graceful shutdown: running recognitions finish before the engine stops. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.running]);
    if (this.ownsEngine) await this.engine.close();
  }
}
