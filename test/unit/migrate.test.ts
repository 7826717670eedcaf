import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrateToLatest } from '../../src/db/migrate.js';

describe('migrateToLatest', () => {
  it('applies every migration once on PGlite and is a no-op the second time', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    try {
      const first = await migrateToLatest(db);
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first[0]).toMatch(/^\d{8}T\d{4}_/);
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
