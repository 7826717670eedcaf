import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { queueContract } from './queue-contract.js';

// Risk: retries, de-duplication or shutdown behaving differently on Redis than in process. Needs REDIS_URL.
const url = process.env.TEST_REDIS_URL;
const prefix = `pw-test-${randomUUID().slice(0, 8)}`;
const open: JobQueue[] = [];

describe.skipIf(!url)('BullMqJobQueue (Redis)', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    // Leave the shared Redis as we found it.
    const redis = new Redis(url ?? '');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  queueContract(
    () => new BullMqJobQueue({ url: url ?? '', prefix, concurrency: 2 }),
    (q) => open.push(q),
  );

  it('bounds what finished jobs leave in Redis', async () => {
    const q = new BullMqJobQueue({ url: url ?? '', prefix: `${prefix}-b` });
    open.push(q);
    let n = 0;
    q.process('t.keep', async () => {
      n++;
    });
    await q.add('t.keep', {}, { jobId: '42' }); // an integer-looking id is accepted (BullMQ alone refuses it)
    while (n < 1) await new Promise((r) => setTimeout(r, 10));
    const redis = new Redis(url ?? '');
    const opts = await redis.hget(`${prefix}-b:t.keep:id-42`, 'opts');
    await redis.quit();
    expect(JSON.parse(opts ?? '{}')).toMatchObject({ attempts: 1, removeOnComplete: { count: 1000 } });
  });
});
