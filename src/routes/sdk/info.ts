import { type OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/app-env.js';
import { currentCalls } from '../../services/usage.js';
import type { AppDeps } from '../deps.js';
import { listTargets } from '../../services/webhooks.js';


const Info = z
  .object({
    version: z.string(),
    license_key: z.string(),
    total_calls: z.number().int(),
    usage: z.object({ calls: z.number().int() }),
    webhooks: z.array(z.string()),
  })
  .openapi('SdkInfo');

const info = createRoute({
  method: 'get',
  path: '/info/',
  summary: 'SDK container information',
  responses: { 200: { description: 'Info', content: { 'application/json': { schema: Info } } } },
});

const root = createRoute({
  method: 'get',
  path: '/',
  summary: 'Liveness probe used by client scripts before they start',
  responses: { 200: { description: 'Up', content: { 'text/plain': { schema: z.string() } } } },
});

export function registerSdkInfo(app: OpenAPIHono<AppEnv>, deps: AppDeps, version: string) {
  const account = deps.localAccount;
  if (!account) throw new Error('SDK routes need the local account');
  app.openapi(root, (c) => c.text('Platewise SDK is running. POST images to /v1/plate-reader/.', 200));
  app.openapi(info, async (c) =>
    c.json(
      {
        version,
        license_key: deps.ctx.config.sdk.licenseKey,
        total_calls: deps.ctx.config.sdk.maxCalls,
        usage: { calls: await currentCalls(deps.ctx, account) },
        webhooks: (await listTargets(deps.ctx, account.id)).map((t) => t.url),
      },
      200,
    ),
  );
}
