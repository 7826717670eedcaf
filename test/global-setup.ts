/**
 * Every suite's temporary files (fake model folders, copied models, PGlite data dirs) go under one folder per
 * run, removed when the run ends: helpers that hand a folder to an engine cannot know when it is done with it.
 * The forked test workers inherit TMPDIR, and os.tmpdir() reads it on every call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'platewise-test-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
