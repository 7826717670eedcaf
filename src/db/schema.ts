import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Typed tables, kept in step with migrations/. Ids are 32-bit serials so both drivers return numbers. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface AccountsTable {
  id: Generated<number>;
  name: string;
  monthly_quota: number;
  rate_limit_per_second: number;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<number>;
  account_id: number;
  prefix: string;
  hash: string;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface UsagePeriodsTable {
  account_id: number;
  /** ISO date (YYYY-MM-DD) stored as text: both drivers hand it back unchanged. */
  period_start: ColumnType<string, string, string>;
  calls: ColumnType<number, number | undefined, number>;
}

export interface NotificationsTable {
  id: Generated<number>;
  account_id: number;
  kind: string;
  message: string;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  dedupe_key: string;
  created_at: CreatedAt;
}

export interface WebhookTargetsTable {
  id: Generated<number>;
  account_id: number;
  url: string;
  event: string;
  with_image: ColumnType<boolean, boolean | undefined, boolean>;
  secret: string;
  source: ColumnType<string, string | undefined, string>;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  target_id: number;
  event: string;
  payload: ColumnType<unknown, string, string>;
  image: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  status: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | undefined, 'pending' | 'delivered' | 'failed'>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  completed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface Database {
  accounts: AccountsTable;
  api_tokens: ApiTokensTable;
  usage_periods: UsagePeriodsTable;
  notifications: NotificationsTable;
  webhook_targets: WebhookTargetsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type WebhookTarget = Selectable<WebhookTargetsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
