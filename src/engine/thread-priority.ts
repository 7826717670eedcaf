/**
 * Engine threads give way to the HTTP event loop. When the workers keep every core busy (the saturated
 * server issue 3 measures), the loop and the PGlite thread it waits on otherwise queue behind model runs
 * for whole scheduler slices, which is where the worst event-loop lags came from. A higher nice value
 * lets the kernel run the loop first the moment it has work; the engine still gets all the CPU the loop
 * leaves, so throughput is unchanged.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Largest nice value on Linux. */
const MAX_NICE = 19;

/**
 * Raise the calling thread's nice value by `by` (Linux: a thread is a task with its own nice value, named
 * by its thread id in /proc/thread-self). Returns the new value, or null where it cannot be done (another
 * OS, no /proc): the engine then runs at the process's priority, as before.
 */
export function lowerThreadPriority(by: number): number | null {
  if (by <= 0 || process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    const nice = Math.min(MAX_NICE, getPriority(tid) + by);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null;
  }
}
