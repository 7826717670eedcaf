import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { AppEnv } from '../../http/app-env.js';
import { localAccount, rateLimit, tokenAuth } from '../../http/auth.js';
import { readRecognitionRequest } from '../../http/recognition-input.js';
import { WireError } from '../../http/wire-error.js';
import type { EngineTimings } from '../../engine/types.js';
import { PayloadTooLargeError } from '../../errors.js';
import { recognisePlates } from '../../services/recognition/recognise.js';
import { RecognitionFields } from '../../services/recognition/request.js';
import type { AppDeps } from '../deps.js';

const PATHS = ['/v1/plate-reader/', '/v1/plate-reader'];

/** Multipart and base64 overhead on top of the image itself (base64 is 4/3 of the bytes). */
function bodyBudget(maxImageBytes: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(maxImageBytes * 1.4) + 64 * 1024);
}

function serverTiming(t: EngineTimings): string {
  const parts: Array<[string, number]> = [
    ['decode', t.decodeMs],
    ['detect', t.detectMs],
    ['read', t.readMs],
    ['vehicle', t.vehicleMs],
    ['model', t.modelMs],
    ['engine', t.totalMs],
  ];
  return parts.map(([k, v]) => `${k};dur=${v.toFixed(2)}`).join(', ');
}

export function registerPlateReader(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const { config } = deps.ctx;
  const profile = config.profile;
  const auth = profile === 'cloud' || !deps.localAccount ? tokenAuth(deps.ctx) : localAccount(deps.localAccount);

  for (const path of PATHS) {
    app.use(path, cors({ origin: '*', allowHeaders: ['Authorization', 'Content-Type'], allowMethods: ['POST', 'OPTIONS'] }));
    app.post(
      path,
      auth,
      rateLimit(deps.rateLimiter, deps.ctx.clock),
      bodyLimit({
        maxSize: bodyBudget(config.upload.maxBytes),
        onError: () => {
          throw new PayloadTooLargeError();
        },
      }),
      async (c) => {
        const { fields, image } = await readRecognitionRequest(c, config.upload.maxBytes);
        try {
          const { response, timings } = await recognisePlates(deps.ctx, deps.recognition, {
            account: c.get('account'),
            profile,
            image,
            fields,
          });
          deps.metrics.recognitions.inc({ outcome: 'ok' });
          // Server-Timing lets the benchmark split model compute from decode, queue and HTTP.
          c.header('Server-Timing', serverTiming(timings));
          return c.json(response, profile === 'cloud' ? 201 : 200);
        } catch (err) {
          deps.metrics.recognitions.inc({ outcome: 'error' });
          throw err;
        }
      },
    );
  }

  const Multipart = RecognitionFields.extend({
    upload: z.string().openapi({ format: 'binary', description: 'The image file, or its base64 text' }).optional(),
    regions: z.array(z.string()).optional().openapi({ description: 'Repeatable region hint, e.g. us-ca, gb' }),
    config: z.string().optional().openapi({ description: 'JSON string: mode, detection_rule, detection_mode, region, threshold_d, threshold_o, text_formats' }),
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/plate-reader/',
    summary: 'Read the licence plates in an image',
    description: profile === 'cloud' ? 'Authorization: Token <token>. Answers 201.' : 'No authentication. Answers 200.',
    request: {
      body: {
        content: {
          'multipart/form-data': { schema: Multipart },
          'application/json': { schema: Multipart },
        },
      },
    },
    responses: {
      [profile === 'cloud' ? 201 : 200]: { description: 'Recognition result (Snapshot format)' },
      400: { description: 'No image, undecodable image, bad field or config', content: { 'application/json': { schema: WireError } } },
      403: { description: 'Invalid token or quota used up', content: { 'application/json': { schema: WireError } } },
      413: { description: 'Upload too large', content: { 'application/json': { schema: WireError } } },
      429: { description: 'Over the per-second limit (Retry-After)', content: { 'application/json': { schema: WireError } } },
    },
  });
}
