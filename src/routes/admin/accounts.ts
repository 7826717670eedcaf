import { type OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/app-env.js';
import { adminAuth } from '../../http/auth.js';
import { WireError } from '../../http/wire-error.js';
import { createAccount, getAccount, issueToken, revokeToken } from '../../services/accounts.js';
import { currentCalls } from '../../services/usage.js';
import type { AppDeps } from '../deps.js';

const NewAccount = z
  .object({
    name: z.string().min(1).max(200),
    monthly_quota: z.number().int().min(0).max(1_000_000_000).optional(),
    rate_limit_per_second: z.number().int().min(0).max(100_000).optional(),
  })
  .strict()
  .openapi('NewAccount');

const AccountOut = z
  .object({
    id: z.number().int(),
    name: z.string(),
    monthly_quota: z.number().int(),
    rate_limit_per_second: z.number().int(),
    created_at: z.string(),
    calls_this_period: z.number().int(),
  })
  .openapi('Account');

const CreatedAccount = z
  .object({
    id: z.number().int(),
    name: z.string(),
    token: z.string(),
    monthly_quota: z.number().int(),
    rate_limit_per_second: z.number().int(),
  })
  .openapi('CreatedAccount');

const IdParam = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' } }) });
const errors = {
  400: { description: 'Invalid body', content: { 'application/json': { schema: WireError } } },
  403: { description: 'Invalid admin token', content: { 'application/json': { schema: WireError } } },
  404: { description: 'Not found', content: { 'application/json': { schema: WireError } } },
};
const security = [{ Admin: [] }];

const create = createRoute({
  method: 'post',
  path: '/admin/accounts',
  summary: 'Create an account and its first token (shown once)',
  security,
  request: { body: { content: { 'application/json': { schema: NewAccount } }, required: true } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: CreatedAccount } } }, ...errors },
});
const read = createRoute({
  method: 'get',
  path: '/admin/accounts/{id}',
  summary: 'Read an account',
  security,
  request: { params: IdParam },
  responses: { 200: { description: 'Account', content: { 'application/json': { schema: AccountOut } } }, ...errors },
});
const addToken = createRoute({
  method: 'post',
  path: '/admin/accounts/{id}/tokens',
  summary: 'Issue another token for an account (shown once)',
  security,
  request: { params: IdParam },
  responses: {
    201: { description: 'Token', content: { 'application/json': { schema: z.object({ token: z.string() }) } } },
    ...errors,
  },
});
const revoke = createRoute({
  method: 'delete',
  path: '/admin/tokens/{token_prefix}',
  summary: 'Revoke a token by its first 8 characters',
  security,
  request: { params: z.object({ token_prefix: z.string().min(8).max(8).openapi({ param: { name: 'token_prefix', in: 'path' } }) }) },
  responses: { 204: { description: 'Revoked' }, ...errors },
});

export function registerAdminAccounts(app: OpenAPIHono<AppEnv>, deps: AppDeps, adminToken: string) {
  app.use('/admin/*', adminAuth(adminToken));
  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const { account, token } = await createAccount(deps.ctx, {
      name: body.name,
      monthlyQuota: body.monthly_quota,
      ratePerSecond: body.rate_limit_per_second,
    });
    return c.json(
      {
        id: account.id,
        name: account.name,
        token,
        monthly_quota: account.monthly_quota,
        rate_limit_per_second: account.rate_limit_per_second,
      },
      201,
    );
  });
  app.openapi(read, async (c) => {
    const account = await getAccount(deps.ctx, c.req.valid('param').id);
    return c.json(
      {
        id: account.id,
        name: account.name,
        monthly_quota: account.monthly_quota,
        rate_limit_per_second: account.rate_limit_per_second,
        created_at: account.created_at.toISOString(),
        calls_this_period: await currentCalls(deps.ctx, account),
      },
      200,
    );
  });
  app.openapi(addToken, async (c) => c.json({ token: await issueToken(deps.ctx, c.req.valid('param').id) }, 201));
  app.openapi(revoke, async (c) => {
    await revokeToken(deps.ctx, c.req.valid('param').token_prefix);
    return c.body(null, 204);
  });
}
