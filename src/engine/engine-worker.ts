/**
 * Piscina worker entry: one pipeline (ONNX sessions + region catalogue) per worker thread, created when the
 * thread starts. onnxruntime's run() blocks its thread, which is why inference lives here and not on the
 * HTTP event loop.
 */
import { workerData } from 'piscina';
import { createPipeline } from './pipeline.js';
import { lowerThreadPriority } from './thread-priority.js';
import { serializeError, type WorkerData, type WorkerReply, type WorkerTask } from './worker-protocol.js';

const data = workerData as WorkerData;
lowerThreadPriority(data.niceness);
// Started at import so models load while the pool warms up; rejections are reported per task below.
const pipeline = createPipeline(data.pipeline);
pipeline.catch(() => undefined);

async function handle(task: WorkerTask): Promise<WorkerReply> {
  try {
    const p = await pipeline;
    if (task.kind === 'warmup') return { ok: true, result: null };
    const image = new Uint8Array(task.image, task.byteOffset, task.byteLength);
    return { ok: true, result: await p.recognise(image, task.options) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}

export default handle;
