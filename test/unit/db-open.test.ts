// Risk covered: the embedded database's first open (initdb, then a reopen to free initdb's memory) and a later
// open of the same directory must both give a working database that keeps what was written.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';

describe('embedded PGlite data directory', () => {
  it('creates, reopens and keeps data across opens', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'platewise-db-'));
    const first = await openDatabase({ dataDir });
    await sql`create table kept (v int)`.execute(first);
    await sql`insert into kept values (42)`.execute(first);
    await first.destroy();
    const again = await openDatabase({ dataDir });
    const { rows } = await sql<{ v: number }>`select v from kept`.execute(again);
    expect(rows).toEqual([{ v: 42 }]);
    await again.destroy();
  });
});
