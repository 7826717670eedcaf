import {
  countTargets,
  deleteFinishedDeliveriesBefore,
  deleteOwnedTarget,
  deleteTargets,
  findTarget,
  listDeliveriesForTarget,
  insertDeliveries,
  insertEnvTargetIfMissing,
  insertTarget,
  listPendingDeliveries,
  listTargetsBySource,
  listTargetsForEvent,
  listTargets as listTargetRows,
} from '../db/repos/webhooks.repo.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { assertPublicUrl } from '../net/safe-fetch.js';
import {
  WEBHOOK_DELIVER_JOB,
  WEBHOOK_EVENTS,
  type WebhookDeliverPayload,
  type WebhookEvent,
  deliveryJobId,
  isWebhookEvent,
} from '../webhooks/events.js';
import { generateWebhookSecret } from '../webhooks/sign.js';
import type { ServiceContext } from './context.js';
import { type DeliveryHooks, processDelivery } from '../webhooks/process-delivery.js';

/**
 * Webhook targets and events. Emitting persists one deliveries row per target before anything is queued, so
 * a delivery survives a restart of the in-process queue, or a lost Redis, and is queued again at the next start
 * (resumePendingDeliveries).
 */

/** Each target costs a request per recognition; a cap keeps one account from fanning out without bound. */
export const MAX_TARGETS_PER_ACCOUNT = 25;

export interface NewTargetInput {
  url: string;
  event?: string | undefined;
  withImage?: boolean | undefined;
}

export async function createTarget(ctx: ServiceContext, accountId: number, input: NewTargetInput) {
  const event = input.event ?? 'image.done';
  if (!isWebhookEvent(event)) {
    throw new BadRequestError(`Unknown webhook event "${event}". Events: ${WEBHOOK_EVENTS.join(', ')}.`, 'invalid_event');
  }
  const url = await assertPublicUrl(input.url, ctx.config.upload.allowPrivateUrls);
  if ((await countTargets(ctx.db, accountId)) >= MAX_TARGETS_PER_ACCOUNT) {
    throw new BadRequestError(`An account can have at most ${MAX_TARGETS_PER_ACCOUNT} webhooks.`, 'too_many_webhooks');
  }
  const target = await insertTarget(ctx.db, {
    accountId,
    url: url.toString(),
    event,
    withImage: input.withImage ?? false,
    secret: generateWebhookSecret(),
    source: 'api',
    createdAt: ctx.clock(),
  });
  const { account_id: _owner, ...shown } = target;
  return shown;
}

export async function listTargets(ctx: ServiceContext, accountId: number) {
  return listTargetRows(ctx.db, accountId);
}

export async function deleteTarget(ctx: ServiceContext, accountId: number, id: number): Promise<void> {
  if ((await deleteOwnedTarget(ctx.db, accountId, id)) === 0) throw new NotFoundError('Webhook not found.');
}

/** The latest 100 deliveries of one of the owner's targets (status, attempts, last error), newest first. */
export async function listDeliveries(ctx: ServiceContext, accountId: number, targetId: number) {
  const target = await findTarget(ctx.db, targetId);
  if (target?.account_id !== accountId) throw new NotFoundError('Webhook not found.');
  return listDeliveriesForTarget(ctx.db, targetId);
}

/**
 * Makes the account's env targets (SDK profile `WEBHOOK_URLS`) equal to `urls`, at every start: missing ones
 * are added, ones no longer configured (or with another with-image setting) removed, the rest kept with their
 * secrets and failure counts. These URLs come from the operator, so they are not held to the public-address
 * rule (on-prem receivers usually sit on private networks); delivery to them allows private addresses too.
 */
export async function syncEnvTargets(
  ctx: ServiceContext,
  accountId: number,
  urls: string[],
  withImage: boolean,
  secret?: string,
) {
  const wanted = new Set<string>();
  for (const raw of urls) wanted.add((await assertPublicUrl(raw, true)).toString());
  const existing = await listTargetsBySource(ctx.db, accountId, 'env');
  const stale = existing.filter(
    (t) => !wanted.has(t.url) || t.with_image !== withImage || t.event !== 'image.done' || (secret !== undefined && t.secret !== secret),
  );
  const removed = await deleteTargets(
    ctx.db,
    stale.map((t) => t.id),
  );
  const kept = new Set(existing.filter((t) => !stale.includes(t)).map((t) => t.url));
  let created = 0;
  for (const url of wanted) {
    if (kept.has(url)) continue;
    const row = await insertEnvTargetIfMissing(ctx.db, {
      accountId,
      url,
      event: 'image.done',
      withImage,
      secret: secret ?? generateWebhookSecret(),
      createdAt: ctx.clock(),
    });
    if (row) created++;
  }
  if (created || removed) ctx.log.info({ accountId, created, removed }, 'webhook targets from WEBHOOK_URLS synced');
  return { created, removed };
}

/**
 * Records and queues `event` for every target of the account subscribed to it. Called on the response path of
 * every recognition, so it is two queries plus queue adds, and it never throws: a webhook problem must not
 * fail a recognition. Returns how many deliveries were queued. `image` is stored only for with-image targets.
 */
export async function emitEvent(
  ctx: ServiceContext,
  queue: JobQueue,
  accountId: number,
  event: WebhookEvent,
  data: unknown,
  image?: Uint8Array,
): Promise<number> {
  try {
    const targets = await listTargetsForEvent(ctx.db, accountId, event);
    if (targets.length === 0) return 0;
    const payload = JSON.stringify(data);
    const rows = await insertDeliveries(
      ctx.db,
      targets.map((t) => ({ targetId: t.id, event, payload, image: t.with_image && image ? image : null, at: ctx.clock() })),
    );
    const retryDelaysMs = ctx.config.webhooks.retryDelaysMs;
    for (const row of rows) {
      const job: WebhookDeliverPayload = { deliveryId: row.id };
      await queue.add(WEBHOOK_DELIVER_JOB, job, { jobId: deliveryJobId(row.id), retryDelaysMs });
    }
    return rows.length;
  } catch (err) {
    // Rows already inserted stay pending and are queued again by resumePendingDeliveries at the next start.
    ctx.log.error({ err, accountId, event }, 'webhook event not queued');
    return 0;
  }
}

/** Registers the `webhook.deliver` processor; `hooks.onAttempt` lets the caller count outcomes (metrics). */
export function registerWebhookProcessor(ctx: ServiceContext, queue: JobQueue, hooks: DeliveryHooks = {}): void {
  queue.process<WebhookDeliverPayload>(WEBHOOK_DELIVER_JOB, (payload, job) =>
    processDelivery(ctx, payload.deliveryId, job, hooks),
  );
}

/** Finished deliveries are kept this long for inspection, then pruned (each holds a whole response). */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3600 * 1000;
const PRUNE_BATCH = 1000;

/** Deletes finished deliveries older than the retention, in batches. Run at start and then periodically. */
export async function pruneFinishedDeliveries(ctx: ServiceContext, retentionMs = DELIVERY_RETENTION_MS): Promise<number> {
  const before = new Date(ctx.clock().getTime() - retentionMs);
  let total = 0;
  for (;;) {
    const n = await deleteFinishedDeliveriesBefore(ctx.db, before, PRUNE_BATCH);
    total += n;
    if (n < PRUNE_BATCH) return total;
  }
}

/** Page size for the start-up scan; keeps memory flat however many deliveries are pending. */
const RESUME_PAGE = 500;

/**
 * Queues every pending delivery again, at its recorded next attempt and with the retries it has left. Safe to
 * run in every process at every start: job ids de-duplicate, and the processor skips finished deliveries.
 */
export async function resumePendingDeliveries(ctx: ServiceContext, queue: JobQueue): Promise<number> {
  await pruneFinishedDeliveries(ctx).catch((err: unknown) => ctx.log.warn({ err }, 'old webhook deliveries not pruned'));
  const delays = ctx.config.webhooks.retryDelaysMs;
  let afterId = 0;
  let count = 0;
  for (;;) {
    const page = await listPendingDeliveries(ctx.db, afterId, RESUME_PAGE);
    for (const d of page) {
      const job: WebhookDeliverPayload = { deliveryId: d.id };
      await queue.add(WEBHOOK_DELIVER_JOB, job, {
        jobId: deliveryJobId(d.id),
        delayMs: Math.max(0, new Date(d.next_attempt_at).getTime() - ctx.clock().getTime()),
        retryDelaysMs: delays.slice(Math.min(d.attempts, delays.length)),
      });
      count++;
    }
    const last = page.at(-1);
    if (!last || page.length < RESUME_PAGE) break;
    afterId = last.id;
  }
  if (count) ctx.log.info({ count }, 'pending webhook deliveries queued again');
  return count;
}
