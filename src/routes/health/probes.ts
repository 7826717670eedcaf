import { Hono } from 'hono';
import type { RecognitionQueue } from '../../jobs/recognition-queue.js';

/**
 * SDK health probes on their own port (HEALTH_PORT), as the vendor's container serves them: orchestrators
 * probe them without touching the API port. Readiness stays false until the models are loaded.
 */
export function buildHealthApp(queue: RecognitionQueue, isShuttingDown: () => boolean) {
  const app = new Hono();
  const live = (c: { json: (b: unknown, s: 200) => Response }) => c.json({ status: 'alive' }, 200);
  app.get('/liveliness/', live);
  app.get('/liveliness', live);
  const ready = async (c: { json: (b: unknown, s: 200 | 503) => Response }) => {
    const ok = !isShuttingDown() && (await queue.ready());
    return c.json({ ready: ok }, ok ? 200 : 503);
  };
  app.get('/readiness/', ready);
  app.get('/readiness', ready);
  return app;
}
