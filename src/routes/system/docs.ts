import type { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import type { AppEnv } from '../../http/app-env.js';
import type { Metrics } from '../../metrics.js';

export function registerDocs(app: OpenAPIHono<AppEnv>, version: string, profile: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'Token', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'Token <your token>',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Admin', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Platewise',
      version,
      description: `Licence-plate recognition, Snapshot-compatible (${profile} profile).`,
    },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
}

export function registerMetrics(app: OpenAPIHono<AppEnv>, metrics: Metrics) {
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
