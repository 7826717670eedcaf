import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { ensureLocalAccount } from '../../src/services/accounts.js';

describe('ensureLocalAccount (SDK)', () => {
  it('creates the local account once and applies a changed SDK_MAX_CALLS on restart', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    await migrateToLatest(db);
    const ctx = (maxCalls: string) => ({
      config: loadConfig({ PROFILE: 'sdk', SDK_MAX_CALLS: maxCalls }),
      db,
      log: createLogger('silent'),
      clock: () => new Date(),
    });
    try {
      const first = await ensureLocalAccount(ctx('100'));
      const again = await ensureLocalAccount(ctx('100'));
      expect(again.id).toBe(first.id);
      const raised = await ensureLocalAccount(ctx('500'));
      expect(raised.id).toBe(first.id);
      expect(raised.monthly_quota).toBe(500);
    } finally {
      await db.destroy();
    }
  });
});
