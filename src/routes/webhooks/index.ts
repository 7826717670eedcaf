import { type OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import { adminAuth, localAccount, tokenAuth } from '../../http/auth.js';
import { WireError } from '../../http/wire-error.js';
import { WEBHOOK_EVENTS } from '../../webhooks/events.js';
import { createTarget, deleteTarget, listTargets } from '../../services/webhooks.js';
import type { AppDeps } from '../deps.js';

const Target = z
  .object({
    id: z.number().int(),
    url: z.string(),
    event: z.enum(WEBHOOK_EVENTS),
    with_image: z.boolean(),
    source: z.string(),
    consecutive_failures: z.number().int(),
    created_at: z.string(),
  })
  .openapi('WebhookTarget');
const CreatedTarget = Target.extend({
  secret: z.string().openapi({ description: 'Signing secret (Standard Webhooks), shown only here' }),
}).openapi('CreatedWebhookTarget');
const NewTarget = z
  .object({
    url: z.string().url().max(2048),
    event: z.enum(WEBHOOK_EVENTS).default('image.done'),
    with_image: z.boolean().default(false),
  })
  .strict()
  .openapi('NewWebhookTarget');

const errors = {
  400: { description: 'Invalid body or URL', content: { 'application/json': { schema: WireError } } },
  403: { description: 'Invalid token', content: { 'application/json': { schema: WireError } } },
  404: { description: 'Not found', content: { 'application/json': { schema: WireError } } },
};

const list = createRoute({
  method: 'get',
  path: '/v1/webhooks/',
  summary: 'List webhook targets',
  responses: { 200: { description: 'Targets', content: { 'application/json': { schema: z.array(Target) } } }, ...errors },
});
const create = createRoute({
  method: 'post',
  path: '/v1/webhooks/',
  summary: 'Add a webhook target; the signing secret is shown once',
  request: { body: { content: { 'application/json': { schema: NewTarget } }, required: true } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: CreatedTarget } } }, ...errors },
});
const remove = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}/',
  summary: 'Remove a webhook target',
  request: { params: z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 204: { description: 'Removed' }, ...errors },
});

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Cloud: each account manages its own targets with its API token. SDK: the container's targets belong to the
 * local account and are managed with ADMIN_TOKEN (no token at all would let any LAN client redirect reads);
 * without ADMIN_TOKEN only WEBHOOK_URLS configure them.
 */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const { config } = deps.ctx;
  let guard: MiddlewareHandler<AppEnv>[];
  if (config.profile === 'cloud') guard = [tokenAuth(deps.ctx)];
  else if (config.auth.adminToken && deps.localAccount) guard = [adminAuth(config.auth.adminToken), localAccount(deps.localAccount)];
  else return;
  app.use('/v1/webhooks/*', ...guard);

  app.openapi(list, async (c) => {
    const rows = await listTargets(deps.ctx, c.get('account').id);
    return c.json(rows.map((t) => ({ ...t, event: t.event as (typeof WEBHOOK_EVENTS)[number], created_at: iso(t.created_at) })), 200);
  });
  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const t = await createTarget(deps.ctx, c.get('account').id, { url: body.url, event: body.event, withImage: body.with_image });
    return c.json({ ...t, event: t.event as (typeof WEBHOOK_EVENTS)[number], created_at: iso(t.created_at) }, 201);
  });
  app.openapi(remove, async (c) => {
    await deleteTarget(deps.ctx, c.get('account').id, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
