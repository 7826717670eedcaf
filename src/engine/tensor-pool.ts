/**
 * Float32 buffers reused within one thread. A detector tensor is 3-12 MB; allocating (and zeroing) a fresh one
 * for every pass costs about as much as filling it, and feeds the garbage collector. A buffer is lent to one
 * user at a time, so two recognitions interleaving in the same thread never share one.
 */
/** Buffers kept between calls: the passes of one image (plate sizes + vehicle) plus one spare size. */
const MAX_KEPT = 4;
const free = new Map<number, Float32Array>();

/** A buffer of `length` floats with unspecified contents: the caller writes every element it reads. */
export function borrowFloat32(length: number): Float32Array {
  const kept = free.get(length);
  if (!kept) return new Float32Array(length);
  free.delete(length);
  return kept;
}

/** Give a borrowed buffer back once nothing reads it any more; the oldest kept size makes room. */
export function returnFloat32(buffer: Float32Array): void {
  if (free.has(buffer.length)) return;
  if (free.size >= MAX_KEPT) {
    const oldest = free.keys().next().value;
    if (oldest !== undefined) free.delete(oldest);
  }
  free.set(buffer.length, buffer);
}
