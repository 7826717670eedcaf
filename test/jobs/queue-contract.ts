import { expect, it } from 'vitest';
import { type JobContext, type JobQueue, PermanentJobError } from '../../src/jobs/job-queue.js';

/** Behaviour both adapters must share; each suite supplies a fresh queue per test and closes it. */
export function queueContract(make: () => JobQueue, track: (q: JobQueue) => void): void {
  const fresh = () => {
    const q = make();
    track(q);
    return q;
  };
  const until = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('runs a job with its payload', async () => {
    const q = fresh();
    const seen: unknown[] = [];
    q.process<{ n: number }>('t.run', async (p, ctx) => {
      seen.push({ ...p, attempt: ctx.attempt, finalAttempt: ctx.finalAttempt });
    });
    await q.add('t.run', { n: 7 });
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ n: 7, attempt: 1, finalAttempt: true });
  });

  it('retries with the given delays, then stops at the last attempt', async () => {
    const q = fresh();
    const times: number[] = [];
    const ctxs: JobContext[] = [];
    q.process('t.retry', async (_p, ctx) => {
      times.push(Date.now());
      ctxs.push(ctx);
      throw new Error('boom');
    });
    await q.add('t.retry', {}, { retryDelaysMs: [50, 150] });
    await until(() => times.length === 3);
    await new Promise((r) => setTimeout(r, 400));
    expect(times).toHaveLength(3);
    expect(ctxs.map((c) => [c.attempt, c.finalAttempt])).toEqual([[1, false], [2, false], [3, true]]);
    const [a = 0, b = 0, c = 0] = times;
    expect(b - a).toBeGreaterThanOrEqual(45);
    expect(c - b).toBeGreaterThanOrEqual(140);
  });

  it('succeeds on a retry', async () => {
    const q = fresh();
    let calls = 0;
    let done = false;
    q.process('t.flaky', async () => {
      calls++;
      if (calls < 2) throw new Error('once');
      done = true;
    });
    await q.add('t.flaky', {}, { retryDelaysMs: [20, 20, 20] });
    await until(() => done);
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toBe(2);
  });

  it('does not retry a PermanentJobError', async () => {
    const q = fresh();
    let calls = 0;
    q.process('t.perm', async () => {
      calls++;
      throw new PermanentJobError('no point');
    });
    await q.add('t.perm', {}, { retryDelaysMs: [20, 20] });
    await until(() => calls === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
  });

  it('de-duplicates by job id and honours delays', async () => {
    const q = fresh();
    const runs: number[] = [];
    const added = Date.now();
    await q.add('t.dedupe', { v: 1 }, { jobId: 'same-1', delayMs: 200 });
    await q.add('t.dedupe', { v: 2 }, { jobId: 'same-1', delayMs: 200 });
    expect(await q.depth()).toBe(1);
    q.process<{ v: number }>('t.dedupe', async (p) => {
      runs.push(p.v);
    });
    await until(() => runs.length === 1);
    expect(Date.now() - added).toBeGreaterThanOrEqual(180);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toEqual([1]);
    expect(await q.depth()).toBe(0);
  });

  it('close() waits for a running handler', async () => {
    const q = fresh();
    let started = false;
    let finished = false;
    q.process('t.slow', async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
    });
    await q.add('t.slow', {});
    await until(() => started);
    await q.close();
    expect(finished).toBe(true);
  });
}
