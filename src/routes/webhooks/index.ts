import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/app-env.js';
import type { AppDeps } from '../deps.js';

export function registerWebhookRoutes(_app: OpenAPIHono<AppEnv>, _deps: AppDeps) {}
