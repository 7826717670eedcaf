import { insertNotificationOnce } from '../db/repos/notifications.repo.js';
import {
  deleteTargets,
  findDelivery,
  findTarget,
  finishDelivery,
  incrementTargetFailures,
  recordDeliveryRetry,
  resetTargetFailures,
} from '../db/repos/webhooks.repo.js';
import type { JobContext } from '../jobs/job-queue.js';
import type { ServiceContext } from '../services/context.js';
import { deliverWebhook } from './deliver.js';
import { deliveryMessageId } from './events.js';

/**
 * One attempt of one delivery (the `webhook.deliver` job). The deliveries row, not the queue, is the source of
 * truth for how many attempts were made, so a delivery resumed after a restart keeps its place in the retry
 * schedule. A failed attempt with retries left throws (the queue retries after the next delay); the last one
 * is recorded and returns, counting one failure against the target.
 */
/** Observers of attempts (metrics); called after the attempt's outcome is known, before it is recorded. */
export interface DeliveryHooks {
  onAttempt?(outcome: { ok: boolean; final: boolean; event: string; error?: string }): void;
}

export async function processDelivery(
  ctx: ServiceContext,
  deliveryId: number,
  job: JobContext,
  hooks: DeliveryHooks = {},
): Promise<void> {
  const delivery = await findDelivery(ctx.db, deliveryId);
  // Finished already (a duplicate or resumed job), or removed with its target: nothing to do.
  if (delivery?.status !== 'pending') return;
  const target = await findTarget(ctx.db, delivery.target_id);
  if (!target) return;

  const delays = ctx.config.webhooks.retryDelaysMs;
  const attempts = delivery.attempts + 1;
  const final = job.finalAttempt || attempts > delays.length;
  const now = ctx.clock();
  const data = delivery.payload;
  const filename =
    typeof data === 'object' && data !== null && 'filename' in data && typeof data.filename === 'string' ? data.filename : '';
  const result = await deliverWebhook({
    url: target.url,
    targetId: target.id,
    event: delivery.event,
    secret: target.secret,
    messageId: deliveryMessageId(delivery.id, new Date(delivery.created_at)),
    data,
    image: target.with_image && delivery.image ? { bytes: delivery.image, filename } : undefined,
    timeoutMs: ctx.config.webhooks.timeoutMs,
    // Operator-configured (env) targets may be on private networks; user-created ones follow the global rule.
    allowPrivate: ctx.config.upload.allowPrivateUrls || target.source === 'env',
    now,
  });

  hooks.onAttempt?.(
    result.ok ? { ok: true, final, event: delivery.event } : { ok: false, final, event: delivery.event, error: result.error },
  );
  if (result.ok) {
    // One transaction per outcome, so the delivery's status and the target's counter are never seen apart.
    await ctx.db.transaction().execute(async (trx) => {
      await finishDelivery(trx, delivery.id, { status: 'delivered', attempts, error: null, at: ctx.clock() });
      if (target.consecutive_failures !== 0) await resetTargetFailures(trx, target.id);
    });
    return;
  }
  ctx.log.info({ deliveryId, targetId: target.id, attempts, final, error: result.error }, 'webhook attempt failed');
  if (!final) {
    const nextAttemptAt = new Date(now.getTime() + (delays[attempts - 1] ?? 0));
    await recordDeliveryRetry(ctx.db, delivery.id, { attempts, error: result.error, nextAttemptAt });
    throw new Error(`webhook delivery ${deliveryId}, attempt ${attempts}: ${result.error}`);
  }
  const removed = await ctx.db.transaction().execute(async (trx) => {
    await finishDelivery(trx, delivery.id, { status: 'failed', attempts, error: result.error, at: ctx.clock() });
    const failures = await incrementTargetFailures(trx, target.id);
    const max = ctx.config.webhooks.maxFailures;
    // maxFailures 0 disables removal. Deleting the target and telling its owner happen together: a removal is
    // never silent. The dedupe key makes the notice once per target even if two workers race here.
    if (failures === undefined || max === 0 || failures < max) return false;
    if ((await deleteTargets(trx, [target.id])) === 0) return false;
    await insertNotificationOnce(trx, {
      accountId: target.account_id,
      kind: 'webhook.removed',
      message: `The webhook ${target.url} (${target.event}) was removed after ${failures} deliveries in a row failed. Last error: ${result.error}`,
      data: { target_id: target.id, url: target.url, event: target.event, failures, last_error: result.error },
      dedupeKey: `webhook.removed:${target.id}`,
    });
    return true;
  });
  if (removed) ctx.log.warn({ targetId: target.id, accountId: target.account_id }, 'webhook target removed after repeated failures');
}
