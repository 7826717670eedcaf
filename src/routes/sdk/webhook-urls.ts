import type { ServiceContext } from '../../services/context.js';

export async function listWebhookUrls(ctx: ServiceContext, accountId: number): Promise<string[]> {
  const rows = await ctx.db.selectFrom('webhook_targets').select('url').where('account_id', '=', accountId).orderBy('id').execute();
  return rows.map((r) => r.url);
}
