/**
 * Byte buffers reused within one thread for the detectors' letterboxed inputs. A canvas is 0.5-4 MB;
 * allocating (and zeroing) a fresh one for every pass costs about as much as filling it, and feeds the
 * garbage collector. A buffer is lent to one user at a time, so two recognitions interleaving in the same
 * thread never share one.
 */
/** Buffers kept between calls: the passes of one image (plate sizes + vehicle) plus one spare size. */
const MAX_KEPT = 4;
const free = new Map<number, Uint8Array>();

/** A buffer of `length` bytes with unspecified contents: the caller writes every byte it reads. */
export function borrowBytes(length: number): Uint8Array {
  const kept = free.get(length);
  if (!kept) return new Uint8Array(length);
  free.delete(length);
  return kept;
}

/** Give a borrowed buffer back once nothing reads it any more; the oldest kept size makes room. */
export function returnBytes(buffer: Uint8Array): void {
  if (free.has(buffer.length)) return;
  if (free.size >= MAX_KEPT) {
    const oldest = free.keys().next().value;
    if (oldest !== undefined) free.delete(oldest);
  }
  free.set(buffer.length, buffer);
}
