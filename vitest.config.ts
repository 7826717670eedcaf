import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers, PGlite instances and worker threads: keep parallelism low on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
