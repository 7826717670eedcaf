import { afterEach, describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '../../src/jobs/in-process-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { queueContract } from './queue-contract.js';

// Risk: lost or duplicated background work (webhook deliveries) when Redis is not configured.
const open: JobQueue[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

describe('InProcessJobQueue', () => {
  queueContract(
    () => new InProcessJobQueue({ concurrency: 2 }),
    (q) => open.push(q),
  );

  it('bounds concurrency', async () => {
    const q = new InProcessJobQueue({ concurrency: 2 });
    open.push(q);
    let running = 0;
    let peak = 0;
    let done = 0;
    q.process('c', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      done++;
    });
    for (let i = 0; i < 8; i++) await q.add('c', { i });
    while (done < 8) await new Promise((r) => setTimeout(r, 10));
    expect(peak).toBe(2);
  });

  it('close() cancels delayed jobs and retries', async () => {
    const q = new InProcessJobQueue();
    let calls = 0;
    q.process('d', async () => {
      calls++;
      throw new Error('retry me');
    });
    await q.add('d', {}, { retryDelaysMs: [100] });
    await q.add('d', {}, { delayMs: 100 });
    await new Promise((r) => setTimeout(r, 20));
    await q.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(1);
    await expect(q.add('d', {})).rejects.toThrow(/closed/);
  });
});
