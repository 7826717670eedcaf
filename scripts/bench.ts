/**
 * `npm run bench`: starts the built server as its own process (SDK profile: no auth, no rate limit) and drives
 * it over HTTP with real photos resized to 800x600, 1280x720 and 1920x1080, regular and fast, one client and
 * four in flight (the vendor's method: images per second = calls / wall time). Splits each call's time into
 * model compute, decode, other engine work, and queue + HTTP using the Server-Timing header.
 * Writes bench/results.md and bench/results.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const ROOT = path.resolve(import.meta.dirname, '..');
const PHOTOS = path.resolve(ROOT, '../shared/datasets/openalpr-endtoend-dev');
const SIZES: Array<[number, number]> = [[800, 600], [1280, 720], [1920, 1080]];
const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const WARMUP = 4;

interface Sample { ms: number; model: number; decode: number; engine: number }

function parseTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /\s*(\w+);dur=([\d.]+)/.exec(part);
    if (m?.[1] && m[2]) out[m[1]] = Number(m[2]);
  }
  return out;
}

async function loadPhotos(width: number, height: number): Promise<Buffer[]> {
  const files: string[] = [];
  for (const country of ['us', 'eu', 'br']) {
    const names = (await readdir(path.join(PHOTOS, country))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    files.push(...names.slice(0, 7).map((f) => path.join(PHOTOS, country, f)));
  }
  return Promise.all(
    files.map(async (f) => sharp(await readFile(f)).rotate().resize(width, height, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer()),
  );
}

async function call(base: string, image: Buffer, mode: string): Promise<Sample> {
  const fd = new FormData();
  fd.append('upload', new Blob([image]), 'bench.jpg');
  fd.append('config', JSON.stringify({ mode }));
  const started = performance.now();
  const res = await fetch(`${base}/v1/plate-reader/`, { method: 'POST', body: fd });
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  const t = parseTiming(res.headers.get('server-timing'));
  return { ms, model: t.model ?? 0, decode: t.decode ?? 0, engine: t.engine ?? 0 };
}

async function run(base: string, images: Buffer[], mode: string, concurrency: number) {
  for (let i = 0; i < WARMUP; i++) await call(base, images[i % images.length] as Buffer, mode);
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CALLS) {
        const i = next++;
        samples.push(await call(base, images[i % images.length] as Buffer, mode));
      }
    }),
  );
  const wall = performance.now() - started;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const sum = (k: keyof Sample) => samples.reduce((a, s) => a + s[k], 0);
  const total = sum('ms');
  return {
    median: q(0.5),
    p95: q(0.95),
    perSecond: (samples.length / wall) * 1000,
    msPerCall: wall / samples.length,
    modelShare: sum('model') / total,
    decodeShare: sum('decode') / total,
    otherEngineShare: (sum('engine') - sum('model') - sum('decode')) / total,
    queueHttpShare: (total - sum('engine')) / total,
    modelShareOfEngine: sum('model') / sum('engine'),
  };
}

async function startServer(dataDir: string): Promise<{ base: string; stop: () => void; rss: () => Promise<number> }> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli.js'), 'serve'], {
    env: { ...process.env, PROFILE: 'sdk', PORT: String(port), HEALTH_PORT: String(port + 1), DATA_DIR: dataDir, LOG_LEVEL: 'warn', QUEUE_MAX_PENDING: '64' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port + 1}/readiness/`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const rss = async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  return { base, stop: () => child.kill('SIGTERM'), rss };
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platewise-bench-'));
  const server = await startServer(dataDir);
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const [w, h] of SIZES) {
      const images = await loadPhotos(w, h);
      for (const mode of ['regular', 'fast']) {
        for (const concurrency of [1, 4]) {
          const r = await run(server.base, images, mode, concurrency);
          const row = { size: `${w}x${h}`, mode, concurrency, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 1000) / 1000])) };
          rows.push(row);
          process.stdout.write(`${JSON.stringify(row)}\n`);
        }
      }
    }
  } finally {
    const peak = await server.rss();
    server.stop();
    await rm(dataDir, { recursive: true, force: true });
    const pct = (x: unknown) => `${Math.round(Number(x) * 100)} %`;
    const lines = [
      '# Benchmark results',
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; Node ${process.version}; ${CALLS} calls per row after ${WARMUP} warm-up calls; server peak RSS ${Math.round(peak)} MB.`,
      'Produced by `npm run bench` (scripts/bench.ts). ms/call = wall time / calls (the vendor\'s figure); latency is per request.',
      '',
      '| size | mode | in flight | median ms | p95 ms | ms/call | img/s | model | decode | other engine | queue+HTTP |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.size} | ${r.mode} | ${r.concurrency} | ${Number(r.median).toFixed(1)} | ${Number(r.p95).toFixed(1)} | ${Number(r.msPerCall).toFixed(1)} | ${Number(r.perSecond).toFixed(1)} | ${pct(r.modelShare)} | ${pct(r.decodeShare)} | ${pct(r.otherEngineShare)} | ${pct(r.queueHttpShare)} |`),
      '',
    ];
    await mkdir(path.join(ROOT, 'bench'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench/results.md'), lines.join('\n'));
    await writeFile(path.join(ROOT, 'bench/results.json'), JSON.stringify({ peakRssMb: peak, rows }, null, 2));
  }
}

await main();
