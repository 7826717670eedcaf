import type { Account } from '../db/schema.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Metrics } from '../metrics.js';
import type { ServiceContext } from '../services/context.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import type { RecognitionDeps } from '../services/recognition/recognise.js';

/** Everything route handlers may use, built once by the server (or a test) and passed to each register(). */
export interface AppDeps {
  ctx: ServiceContext;
  recognition: RecognitionDeps;
  jobs: JobQueue;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  /** SDK profile: the account every unauthenticated call is counted against. */
  localAccount?: Account | undefined;
}
