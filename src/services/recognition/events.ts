import type { Account } from '../../db/schema.js';
import { insertNotificationOnce } from '../../db/repos/notifications.repo.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { Metrics } from '../../metrics.js';
import type { UsageWarningData } from '../../webhooks/events.js';
import type { ServiceContext } from '../context.js';
import { WARNING_SHARE, usageStatistics } from '../usage.js';
import { emitEvent, registerWebhookProcessor, resumePendingDeliveries, syncEnvTargets } from '../webhooks.js';
import { type RecognitionEvents, usageWarningMessage } from './recognise.js';

/**
 * What follows a recognition: `image.done` to the account's targets, and once per billing period the 95 %
 * usage warning (stored as a notification and sent as `usage.warning`). Fire-and-forget: the response never
 * waits for them, and emitEvent logs instead of throwing.
 */
export function createRecognitionEvents(ctx: ServiceContext, jobs: JobQueue): RecognitionEvents & { drain(): Promise<void> } {
  // Kept so shutdown can let them finish before the database and queues close under them.
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  return {
    imageDone(accountId, response, image) {
      track(emitEvent(ctx, jobs, accountId, 'image.done', response, image));
    },
    usageWarning(account, reservation) {
      track(warnOnce(ctx, jobs, account, reservation.periodStart, usageWarningMessage(account, reservation)));
    },
    async drain() {
      await Promise.allSettled([...pending]);
    },
  };
}

async function warnOnce(ctx: ServiceContext, jobs: JobQueue, account: Account, periodStart: string, message: string) {
  try {
    const stats = await usageStatistics(ctx, account);
    const data: UsageWarningData = { ...stats, threshold: WARNING_SHARE };
    const created = await insertNotificationOnce(ctx.db, {
      accountId: account.id,
      kind: 'usage.warning',
      message,
      data: { ...data },
      dedupeKey: `usage.warning:${account.id}:${periodStart}`,
    });
    if (created) await emitEvent(ctx, jobs, account.id, 'usage.warning', data);
  } catch (err) {
    ctx.log.error({ err, accountId: account.id }, 'usage warning not recorded');
  }
}

/** Every process that can deliver registers the processor and picks up deliveries left pending. */
export async function registerWebhookJobs(ctx: ServiceContext, jobs: JobQueue, metrics?: Metrics): Promise<void> {
  registerWebhookProcessor(ctx, jobs, {
    onAttempt: (outcome) => {
      if (!outcome.ok) metrics?.webhookFailures.inc({ final: String(outcome.final) });
    },
  });
  await resumePendingDeliveries(ctx, jobs);
}

/** SDK profile: WEBHOOK_URLS from the environment become the local account's targets at each start. */
export async function syncSdkWebhooks(ctx: ServiceContext, accountId: number): Promise<void> {
  const { envUrls, envWithImage, envSecret } = ctx.config.webhooks;
  await syncEnvTargets(ctx, accountId, envUrls, envWithImage, envSecret);
}
