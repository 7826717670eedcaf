import { type OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/app-env.js';
import { tokenAuth } from '../../http/auth.js';
import { WireError } from '../../http/wire-error.js';
import { usageStatistics } from '../../services/usage.js';
import type { AppDeps } from '../deps.js';

const Statistics = z
  .object({
    usage: z.object({ month: z.number().int(), calls: z.number().int(), year: z.number().int(), resets_on: z.string() }),
    total_calls: z.number().int(),
  })
  .openapi('Statistics');

const route = createRoute({
  method: 'get',
  path: '/v1/statistics/',
  summary: 'Calls used in the current billing period',
  security: [{ Token: [] }],
  responses: {
    200: { description: 'Usage', content: { 'application/json': { schema: Statistics } } },
    403: { description: 'Invalid token', content: { 'application/json': { schema: WireError } } },
  },
});

export function registerStatistics(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.use(route.path, tokenAuth(deps.ctx));
  app.openapi(route, async (c) => c.json(await usageStatistics(deps.ctx, c.get('account')), 200));
}
