// Risk covered: the `platewise` binary's tools work on a fresh machine: `migrate` on an empty data dir and
// `read` printing the API's JSON (and a wire-format error for a file that is not an image).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CAR = fileURLToPath(new URL('./fixtures/http/car.jpg', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'platewise-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], nodeOptions: string[] = []) =>
  run(process.execPath, [...nodeOptions, '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', ENGINE_WORKERS: '1' },
  }).catch((err: { stdout: string; stderr: string; code: number }) => err);

describe('platewise CLI', () => {
  it('migrate applies migrations once', async () => {
    const first = await cli(['migrate']);
    expect(first.stdout).toMatch(/applied: \d{8}T\d{4}_/);
    expect((await cli(['migrate'])).stdout).toMatch(/up to date/);
  });

  it('read prints one API response per file, and an error line for a non-image', async () => {
    const junk = path.join(dir, 'notes.txt');
    await writeFile(junk, 'not an image');
    const out = await cli(['read', CAR, junk, '--regions', 'us-ca']);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].filename).toMatch(/car\.jpg$/);
    expect(lines[0].results.length).toBeGreaterThanOrEqual(1);
    expect(lines[0].results[0].plate).toMatch(/^[a-z0-9]+$/);
    expect(lines[1]).toMatchObject({ filename: 'notes.txt', status_code: 400 });
  }, 60_000);

  it('starts its engine workers when node is given V8 options (--max-old-space-size)', async () => {
    // A Worker refuses V8 options in an explicit execArgv: the engine pool must let its workers inherit them.
    const out = await cli(['read', CAR], ['--max-old-space-size=1024', '--stack-trace-limit=20']);
    expect(out.stderr).not.toMatch(/invalid execArgv/i);
    const [line] = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(line.results.length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
