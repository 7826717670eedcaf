/**
 * `npm run bench`: starts the built server as its own process (SDK profile: no auth, no rate limit) and drives
 * it over HTTP with real photos resized to 800x600, 1280x720 and 1920x1080, regular and fast, one client and
 * four in flight (the vendor's method: images per second = calls / wall time). Splits each call's time into
 * model compute, decode, other engine work, and queue + HTTP using the Server-Timing header.
 * Event-loop lag of the server over each phase: p50/p99/max of prom-client's default
 * `nodejs_eventloop_lag_*` gauges (perf_hooks monitorEventLoopDelay, reset on every /metrics scrape), scraped
 * right before and right after the phase, minus the monitor's 10 ms sampling interval (an idle loop reads ~10 ms).
 * Writes bench/results.md and bench/results.json (BENCH_OUT=DIR writes there instead; BENCH_CALLS=N for a short run).
 * The server runs with MALLOC_ARENA_MAX=2 as the Dockerfile sets it (unless the environment says otherwise).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { DATASETS } from './datasets.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const PHOTOS = path.join(DATASETS, 'openalpr-endtoend-dev');
const SIZES: Array<[number, number]> = [[800, 600], [1280, 720], [1920, 1080]];
const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const WARMUP = 4;
const OUT_DIR = path.resolve(ROOT, process.env.BENCH_OUT ?? 'bench');
/** prom-client's default eventLoopMonitoringPrecision: monitorEventLoopDelay records the interval itself too. */
const LAG_RESOLUTION_MS = 10;
/** Issue 3: event-loop lag stays under this while the engine is saturated. */
const LAG_TARGET_MS = 20;
/** USER_HZ: /proc reports CPU time in these ticks on Linux. */
const CLOCK_TICKS = 100;

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

/**
 * The client shares the 2 cores with the server, so each call's body is encoded once (not a FormData per call)
 * and sent over kept-alive connections: what the client itself costs per call is measured and reported.
 */
const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

interface Upload { body: Buffer; contentType: string }

function multipart(image: Buffer, mode: string): Upload {
  const boundary = `----platewise-bench-${Math.random().toString(16).slice(2)}`;
  const head = (name: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n`;
  const body = Buffer.concat([
    Buffer.from(`${head('upload', '; filename="bench.jpg"')}Content-Type: image/jpeg\r\n\r\n`),
    image,
    Buffer.from(`\r\n${head('config')}\r\n${JSON.stringify({ mode })}\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function call(base: string, upload: Upload): Promise<Sample> {
  const started = performance.now();
  const res = await request(`${base}/v1/plate-reader/`, {
    method: 'POST',
    body: upload.body,
    headers: { 'content-type': upload.contentType },
    dispatcher: agent,
  });
  await res.body.arrayBuffer();
  const ms = performance.now() - started;
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  const timing = res.headers['server-timing'];
  const t = parseTiming(Array.isArray(timing) ? timing.join(',') : (timing ?? null));
  return { ms, model: t.model ?? 0, decode: t.decode ?? 0, engine: t.engine ?? 0 };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); NaN elsewhere. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** p50/p99/max event-loop delay (ms, sampling interval removed) since the previous scrape; null when not exposed. */
async function scrapeLag(base: string): Promise<{ p50: number; p99: number; max: number } | null> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (q: string) => {
    const m = new RegExp(`^\\w*nodejs_eventloop_lag_${q}_seconds(?:\\{[^}]*\\})?\\s+(\\S+)$`, 'm').exec(text);
    return m?.[1] === undefined ? Number.NaN : Math.max(0, Number(m[1]) * 1000 - LAG_RESOLUTION_MS);
  };
  const lag = { p50: get('p50'), p99: get('p99'), max: get('max') };
  return Object.values(lag).every(Number.isFinite) ? lag : null;
}

async function run(server: Server, images: Buffer[], mode: string, concurrency: number) {
  const uploads = images.map((image) => multipart(image, mode));
  for (let i = 0; i < WARMUP; i++) await call(server.base, uploads[i % uploads.length] as Upload);
  await scrapeLag(server.base); // resets the server's delay histogram: the next scrape covers this phase only
  const samples: Sample[] = [];
  let next = 0;
  const serverCpu0 = await server.cpu();
  const clientCpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CALLS) {
        const i = next++;
        samples.push(await call(server.base, uploads[i % uploads.length] as Upload));
      }
    }),
  );
  const wall = performance.now() - started;
  const clientCpu = process.cpuUsage(clientCpu0);
  const serverCpuMs = ((await server.cpu()) - serverCpu0) * 1000;
  const lag = await scrapeLag(server.base);
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
    serverCpuMsPerCall: serverCpuMs / samples.length,
    // Model compute over all the CPU the server process spent. The sessions are single-threaded, so a model run's
    // wall time is its CPU time only while nothing else wants the core: one client.
    modelShareOfServerCpu: concurrency === 1 ? sum('model') / serverCpuMs : Number.NaN,
    clientCpuMsPerCall: (clientCpu.user + clientCpu.system) / 1000 / samples.length,
    lagP50: lag?.p50 ?? Number.NaN,
    lagP99: lag?.p99 ?? Number.NaN,
    lagMax: lag?.max ?? Number.NaN,
  };
}

/**
 * How fast this host computes the models right now, measured in this process with no server running: the plate
 * detector at 640x640 on one onnxruntime thread, median of 15 runs after 5 warm-ups. Shared VMs differ by 2x from
 * one day to the next on the same code; rows of two runs compare only when these references agree.
 */
async function hostReferenceMs(): Promise<number> {
  const session = await ort.InferenceSession.create(path.join(ROOT, 'models', 'plate-detector.onnx'), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const pixels = new ort.Tensor('uint8', new Uint8Array(640 * 640 * 3).map((_, i) => (i * 37) & 255), [1, 640, 640, 3]);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await session.run({ pixels });
    if (i >= 5) times.push(performance.now() - started);
  }
  await session.release();
  return times.sort((a, b) => a - b)[times.length >> 1] ?? Number.NaN;
}

interface Server { base: string; stop: () => void; rss: () => Promise<number>; cpu: () => Promise<number> }

async function startServer(dataDir: string): Promise<Server> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli.js'), 'serve'], {
    env: { MALLOC_ARENA_MAX: '2', ...process.env, PROFILE: 'sdk', PORT: String(port), HEALTH_PORT: String(port + 1), DATA_DIR: dataDir, LOG_LEVEL: 'warn', QUEUE_MAX_PENDING: '64' },
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
  return { base, stop: () => child.kill('SIGTERM'), rss, cpu: () => cpuSeconds(child.pid) };
}

async function main() {
  const referenceBefore = await hostReferenceMs();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'platewise-bench-'));
  const server = await startServer(dataDir);
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const [w, h] of SIZES) {
      const images = await loadPhotos(w, h);
      for (const mode of ['regular', 'fast']) {
        for (const concurrency of [1, 4]) {
          const r = await run(server, images, mode, concurrency);
          const row = {
            size: `${w}x${h}`,
            mode,
            concurrency,
            ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 'n/a'])),
          };
          rows.push(row);
          process.stdout.write(`${JSON.stringify(row)}\n`);
        }
      }
    }
  } finally {
    const peak = await server.rss();
    server.stop();
    await rm(dataDir, { recursive: true, force: true });
    const referenceAfter = await hostReferenceMs();
    const pct = (x: unknown) => (Number.isFinite(Number(x)) ? `${Math.round(Number(x) * 100)} %` : 'n/a');
    const ms = (x: unknown) => (Number.isFinite(Number(x)) ? Number(x).toFixed(1) : 'n/a');
    const saturated = rows.filter((r) => r.concurrency === 4).map((r) => Number(r.lagMax));
    const worst = saturated.length && saturated.every(Number.isFinite) ? Math.max(...saturated) : Number.NaN;
    const lines = [
      '# Benchmark results',
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; Node ${process.version}; load average ${loadavg()[0]?.toFixed(2)} at the end; ${CALLS} calls per row after ${WARMUP} warm-up calls; server peak RSS ${Math.round(peak)} MB.`,
      `Host speed: the plate detector at 640x640 on one onnxruntime thread, in the bench process with no server running, median ${ms(referenceBefore)} ms before the rows and ${ms(referenceAfter)} ms after (11.5 ms on a quiet host, MODEL_CARD); compare rows of two runs only when these agree.`,
      'Produced by `npm run bench` (scripts/bench.ts). ms/call = wall time / calls (the vendor\'s figure); latency is per request.',
      'model / decode / other engine / queue+HTTP: shares of the client-side latency (Server-Timing). Server CPU: user + system CPU of the server process per call (/proc), all threads; model / server CPU: the model runs\' time over it, one client only (the single-threaded sessions\' wall time is their CPU time only while they have a core to themselves). Client CPU: what this script spent per call on the same cores.',
      `Event-loop lag: the server's event-loop delay over the phase (prom-client \`nodejs_eventloop_lag_*\` via /metrics, ${LAG_RESOLUTION_MS} ms sampling interval subtracted), p50 / p99 / max ms; target < ${LAG_TARGET_MS} ms with 4 in flight (worst max with 4 in flight: ${ms(worst)} ms).`,
      '',
      '| size | mode | in flight | median ms | p95 ms | ms/call | img/s | model | decode | other engine | queue+HTTP | server CPU ms/call | model / server CPU | client CPU ms/call | loop lag p50/p99/max ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.size} | ${r.mode} | ${r.concurrency} | ${Number(r.median).toFixed(1)} | ${Number(r.p95).toFixed(1)} | ${Number(r.msPerCall).toFixed(1)} | ${Number(r.perSecond).toFixed(1)} | ${pct(r.modelShare)} | ${pct(r.decodeShare)} | ${pct(r.otherEngineShare)} | ${pct(r.queueHttpShare)} | ${ms(r.serverCpuMsPerCall)} | ${pct(r.modelShareOfServerCpu)} | ${ms(r.clientCpuMsPerCall)} | ${ms(r.lagP50)} / ${ms(r.lagP99)} / ${ms(r.lagMax)} |`,
      ),
      '',
    ];
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(path.join(OUT_DIR, 'results.md'), lines.join('\n'));
    await writeFile(
      path.join(OUT_DIR, 'results.json'),
      JSON.stringify({ peakRssMb: peak, hostReferenceMs: { before: referenceBefore, after: referenceAfter }, lagTargetMs: LAG_TARGET_MS, lagWorstMaxMs: worst, rows }, null, 2),
    );
  }
}

await main();
