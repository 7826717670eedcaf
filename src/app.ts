import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { BadRequestError } from './errors.js';
import type { AppEnv } from './http/app-env.js';
import { handleError, handleNotFound } from './http/error-handler.js';
import { describeIssues } from './http/wire-error.js';
import { registerAdminAccounts } from './routes/admin/accounts.js';
import type { AppDeps } from './routes/deps.js';
import { registerPlateReader } from './routes/plate-reader/post.js';
import { registerSdkInfo } from './routes/sdk/info.js';
import { registerStatistics } from './routes/statistics/get.js';
import { registerDocs, registerMetrics } from './routes/system/docs.js';
import { registerWebhookRoutes } from './routes/webhooks/index.js';
import { VERSION } from './version.js';

/** Builds the HTTP app for one profile. Pure wiring: no I/O happens here. */
export function buildApp(deps: AppDeps) {
  const { config } = deps.ctx;
  const app = new OpenAPIHono<AppEnv>({
    // zod failures on typed routes go through the same wire-format mapper as every other error.
    defaultHook: (result) => {
      if (!result.success) throw new BadRequestError(describeIssues(result.error));
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('log', deps.ctx.log.child({ reqId: c.get('requestId') }));
    await next();
    const route = c.req.routePath;
    deps.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });
  app.onError(handleError);
  app.notFound(handleNotFound);

  registerPlateReader(app, deps);
  if (config.profile === 'cloud') registerStatistics(app, deps);
  else registerSdkInfo(app, deps, VERSION);
  if (config.auth.adminToken) registerAdminAccounts(app, deps, config.auth.adminToken);
  registerWebhookRoutes(app, deps);
  registerMetrics(app, deps.metrics);
  registerDocs(app, VERSION, config.profile);
  return app;
}
