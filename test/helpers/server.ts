import { type Env, loadConfig } from '../../src/config.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.js';

/**
 * A real server on an ephemeral port with an in-memory PGlite: what `npm start` runs, minus the disk.
 * Engine workers load the committed models once per server.
 */
export async function startTestServer(env: Partial<Env> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    ENGINE_WORKERS: '1',
    ADMIN_TOKEN: 'admin-secret-for-tests',
    BOOTSTRAP_TOKEN: TEST_TOKEN,
    DEFAULT_RATE_LIMIT_PER_SECOND: '1000',
    // Lets a developer point the suites at other weights; CI uses the committed models/.
    ...(process.env.MODELS_DIR ? { MODELS_DIR: process.env.MODELS_DIR } : {}),
    ...env,
  } as Record<string, string>);
  const server = await startServer(config, options);
  const base = `http://127.0.0.1:${server.port}`;
  return Object.assign(server, { base, url: (p: string) => `${base}${p}` });
}

export type TestServer = RunningServer & { base: string; url: (path: string) => string };

/** 40 hex characters, the vendor's token shape. */
export const TEST_TOKEN = '0123456789abcdef0123456789abcdef01234567';
export const ADMIN = { Authorization: 'Bearer admin-secret-for-tests' };
export const AUTH = { Authorization: `Token ${TEST_TOKEN}` };
