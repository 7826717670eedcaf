import { z } from 'zod';

/**
 * The one place that reads process.env. Parsed once, frozen, grouped. Every variable is documented in the
 * README's configuration table.
 */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const int = (def: number) => z.coerce.number().int().nonnegative().default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const MB = 1024 * 1024;

const EnvSchema = z.object({
  PROFILE: z.enum(['cloud', 'sdk']).default('cloud'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(8080),
  HEALTH_PORT: int(8081),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  MODELS_DIR: optionalString,
  ADMIN_TOKEN: optionalString,
  BOOTSTRAP_TOKEN: optionalString,
  LICENSE_KEY: optionalString,
  /** Upload byte limit; unset = 3 MB (cloud) or 100 MB (sdk), 0 = no limit beyond memory safety. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().nonnegative().optional(),
  /** Decoded pixel limit: decompression bombs are refused before allocation. */
  MAX_IMAGE_PIXELS: int(40_000_000),
  ALLOW_PRIVATE_URLS: flag.default(false),
  UPLOAD_URL_TIMEOUT_MS: int(10_000),
  DEFAULT_MONTHLY_QUOTA: int(2500),
  DEFAULT_RATE_LIMIT_PER_SECOND: int(1),
  /** SDK: `usage.max_calls`; 0 = unlimited. */
  SDK_MAX_CALLS: int(0),
  WEBHOOK_URLS: csv,
  WEBHOOK_WITH_IMAGE: flag.default(false),
  /** SDK: signing secret for WEBHOOK_URLS targets (`whsec_` + base64), so receivers can verify; unset = random. */
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, 'must be whsec_ followed by base64 of at least 16 bytes')
    .optional(),
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .default('10000,60000,300000,1800000')
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => Number(s.trim()));
      if (parts.some((n) => !Number.isInteger(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of non-negative integers' });
        return z.NEVER;
      }
      return parts;
    }),
  WEBHOOK_MAX_FAILURES: int(5),
  WEBHOOK_TIMEOUT_MS: int(10_000),
  /** Engine worker threads in this process (API in embedded mode, or `worker`). */
  ENGINE_WORKERS: int(2),
  /** onnxruntime intra-op threads per engine worker. */
  ENGINE_THREADS: int(1),
  /**
   * Nice value added to the engine worker threads (Linux), so HTTP handling and queue lock renewal run
   * first when the engine saturates the cores; 0 = the process's own priority. At most 19.
   */
  ENGINE_NICE: int(10),
  /** Regular mode: upsample images smaller than the larger detection pass (more small plates, slower). */
  ENGINE_UPSAMPLE: flag.default(false),
  /** Read plates read unsurely again levelled by their estimated roll (deskew.ts); ~2.4 ms per such plate. */
  ENGINE_DESKEW: flag.default(true),
  /** Recognition jobs waiting beyond this are refused with 503 (back-pressure). */
  QUEUE_MAX_PENDING: int(64),
  /** Image bytes admitted into the queue at once, across all pending jobs of this API process. */
  QUEUE_MAX_BYTES_IN_FLIGHT: int(256 * MB),
  RECOGNITION_TIMEOUT_MS: int(60_000),
  SHUTDOWN_TIMEOUT_MS: int(30_000),
});

export type Env = z.input<typeof EnvSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const cloud = e.PROFILE === 'cloud';
  const maxUploadBytes = e.MAX_UPLOAD_BYTES ?? (cloud ? 3 * MB : 100 * MB);
  return Object.freeze({
    profile: e.PROFILE,
    http: { host: e.HOST, port: e.PORT, healthPort: e.HEALTH_PORT },
    log: { level: e.LOG_LEVEL },
    db: { url: e.DATABASE_URL, dataDir: e.DATA_DIR },
    redis: { url: e.REDIS_URL },
    auth: { adminToken: e.ADMIN_TOKEN, bootstrapToken: e.BOOTSTRAP_TOKEN },
    sdk: { licenseKey: e.LICENSE_KEY ?? 'platewise-oss', maxCalls: e.SDK_MAX_CALLS },
    upload: {
      maxBytes: maxUploadBytes === 0 ? Number.MAX_SAFE_INTEGER : maxUploadBytes,
      maxPixels: e.MAX_IMAGE_PIXELS,
      allowPrivateUrls: e.ALLOW_PRIVATE_URLS,
      urlTimeoutMs: e.UPLOAD_URL_TIMEOUT_MS,
    },
    plans: { monthlyQuota: e.DEFAULT_MONTHLY_QUOTA, ratePerSecond: e.DEFAULT_RATE_LIMIT_PER_SECOND },
    webhooks: {
      envUrls: e.WEBHOOK_URLS,
      envWithImage: e.WEBHOOK_WITH_IMAGE,
      envSecret: e.WEBHOOK_SECRET,
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS_MS,
      maxFailures: e.WEBHOOK_MAX_FAILURES,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    engine: {
      workers: Math.max(1, e.ENGINE_WORKERS),
      threads: Math.max(1, e.ENGINE_THREADS),
      niceness: Math.min(19, e.ENGINE_NICE),
      upsample: e.ENGINE_UPSAMPLE,
      deskew: e.ENGINE_DESKEW,
      modelsDir: e.MODELS_DIR,
    },
    queue: {
      maxPending: e.QUEUE_MAX_PENDING,
      maxBytesInFlight: e.QUEUE_MAX_BYTES_IN_FLIGHT,
      timeoutMs: e.RECOGNITION_TIMEOUT_MS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}

export type Config = ReturnType<typeof loadConfig>;
