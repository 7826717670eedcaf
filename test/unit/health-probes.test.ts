import { describe, expect, it } from 'vitest';
import type { RecognitionQueue } from '../../src/jobs/recognition-queue.js';
import { buildHealthApp } from '../../src/routes/health/probes.js';

const queue = (ready: boolean) => ({ ready: async () => ready }) as unknown as RecognitionQueue;

describe('SDK health probes', () => {
  it('report not ready (503) while models load or during shutdown, alive throughout', async () => {
    const loading = buildHealthApp(queue(false), () => false);
    expect((await loading.request('/liveliness/')).status).toBe(200);
    const r = await loading.request('/readiness/');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ ready: false });
    expect((await buildHealthApp(queue(true), () => true).request('/readiness/')).status).toBe(503);
    expect((await buildHealthApp(queue(true), () => false).request('/readiness/')).status).toBe(200);
  });
});
