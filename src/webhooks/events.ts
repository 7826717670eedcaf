/**
 * The webhook events and their `data`. A target subscribes to exactly one event: `image.done` targets (the
 * vendor's only event, and what every existing receiver expects) never receive `usage.warning`, whose body
 * they would not understand; an owner who wants quota warnings adds a second target for `usage.warning`.
 * Body schemas: webhooks/schemas/<event>.v1.json.
 */
export const WEBHOOK_EVENTS = ['image.done', 'usage.warning'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

/** `usage.warning` data: the statistics shape plus the share of the quota that triggered the warning. */
export interface UsageWarningData {
  usage: { month: number; calls: number; year: number; resets_on: string };
  total_calls: number;
  /** 0.95: sent once per billing period, for the call that reaches 95 % of the quota. */
  threshold: number;
}

/** Job name and payload for one delivery attempt (payloads carry ids, never images). */
export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';
export interface WebhookDeliverPayload {
  deliveryId: number;
}

/** BullMQ de-duplicates by job id: the same delivery is never queued twice, even when resumed at start. */
export function deliveryJobId(deliveryId: number): string {
  return `webhook-delivery-${deliveryId}`;
}

/** Standard Webhooks `webhook-id`: one per delivery, stable across its retries, so receivers can de-duplicate. */
export function deliveryMessageId(deliveryId: number, createdAt: Date): string {
  return `msg_${createdAt.getTime().toString(36)}_${deliveryId.toString(36)}`;
}
