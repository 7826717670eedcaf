// Risk covered: a Plate Recognizer cloud client pointed at us must get the vendor's status, shape and key
// order for every documented way of sending an image, and usage must count exactly the successful calls.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AUTH, type TestServer, startTestServer } from '../helpers/server.js';
import { CAR_JPEG, form } from '../helpers/images.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const post = (body: FormData | string, headers: Record<string, string> = {}) =>
  fetch(server.url('/v1/plate-reader/'), { method: 'POST', body, headers: { ...AUTH, ...headers } });

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

interface PlateResult {
  box: Record<string, number>;
  plate: string;
  region: { code: string; score: number };
  vehicle: { score: number; type: string; box: Record<string, number> };
  score: number;
  candidates: Array<{ score: number; plate: string }>;
  dscore: number;
}

/** The published webhook schema (webhooks/schemas): its `data` is the API response, so responses must fit it. */
const imageDoneSchema = z.fromJSONSchema(
  JSON.parse(readFileSync(new URL('../../webhooks/schemas/image.done.v1.json', import.meta.url), 'utf8')) as Parameters<typeof z.fromJSONSchema>[0],
);
function expectPublishedShape(data: unknown) {
  const parsed = imageDoneSchema.safeParse({ hook: { target: 'http://receiver.example/', id: 1, event: 'image.done' }, data });
  expect(parsed.error?.issues ?? []).toEqual([]);
}

function expectWellFormedResult(r: PlateResult) {
  expect(Object.keys(r)).toEqual(['box', 'plate', 'region', 'vehicle', 'score', 'candidates', 'dscore']);
  expect(Object.keys(r.box)).toEqual(['xmin', 'ymin', 'xmax', 'ymax']);
  expect(r.plate).toMatch(/^[a-z0-9]+$/);
  expect(r.candidates[0]?.plate).toBe(r.plate);
  expect(r.candidates.length).toBeLessThanOrEqual(10);
  for (const s of [r.score, r.dscore, r.region.score, r.vehicle.score, ...r.candidates.map((c) => c.score)]) {
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThanOrEqual(1);
  }
  expect(Object.keys(r.vehicle)).toEqual(['score', 'type', 'box']);
}

describe('POST /v1/plate-reader/ (cloud) happy paths', () => {
  it('reads a multipart file upload: 201, vendor keys in vendor order', async () => {
    const res = await post(form({ regions: ['us-ca'], config: '{}' }, { bytes: CAR_JPEG, name: 'car.jpg' }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['processing_time', 'results', 'filename', 'version', 'camera_id', 'timestamp']);
    expect(body.version).toBe(1);
    expect(body.camera_id).toBeNull();
    expect(body.filename).toMatch(/^\d{4}_[A-Z0-9]{5}_car\.jpg$/);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(body.processing_time).toBeGreaterThan(0);
    expect(body.results.length).toBeGreaterThanOrEqual(1);
    for (const r of body.results) expectWellFormedResult(r);
    const [r] = body.results as PlateResult[];
    expect(r?.box.xmax).toBeGreaterThan(r?.box.xmin ?? 0);
    expect(r?.box.xmax).toBeLessThanOrEqual(416);
  });

  it('accepts base64 text with line breaks and a data: prefix, and echoes camera_id and timestamp', async () => {
    const b64 = Buffer.from(CAR_JPEG).toString('base64').replace(/(.{76})/g, '$1\n');
    const res = await post(
      form({ upload: `data:image/jpeg;base64,${b64}`, camera_id: 'gate-3', timestamp: '2024-05-01T10:20:30Z' }),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.camera_id).toBe('gate-3');
    expect(body.timestamp).toBe('2024-05-01T10:20:30Z');
    expect(body.filename).toMatch(/^\d{4}_[A-Z0-9]{5}_upload$/);
  });

  it('accepts a JSON body with the same fields', async () => {
    const res = await post(
      JSON.stringify({ upload: Buffer.from(CAR_JPEG).toString('base64'), regions: ['us'], config: { threshold_o: 0 } }),
      { 'Content-Type': 'application/json' },
    );
    expect(res.status).toBe(201);
    expect((await res.json()).results.length).toBeGreaterThanOrEqual(1);
  });

  it('adds model_make, color and orientation with mmc=True: orientation from our model, the rest not learned', async () => {
    const res = await post(form({ mmc: 'True' }, { bytes: CAR_JPEG, name: 'car.jpg' }));
    const body = await res.json();
    const r = body.results[0];
    expect(Object.keys(r).slice(-3)).toEqual(['model_make', 'color', 'orientation']);
    expect(r.model_make).toEqual([]);
    expect(r.color).toEqual([]);
    expect(r.orientation.map((o: { orientation: string }) => o.orientation).sort()).toEqual(['Front', 'Rear', 'Unknown']);
    for (const o of r.orientation) expect(Object.keys(o)).toEqual(['orientation', 'score']);
    const scores = r.orientation.map((o: { score: number }) => o.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expectPublishedShape(body);
  });

  it('pairs the plate with the car around it (real photo, real models)', async () => {
    const body = await (await post(form({}, { bytes: CAR_JPEG, name: 'car.jpg' }))).json();
    const { box: p, vehicle } = body.results[0] as { box: Box; vehicle: { score: number; type: string; box: Box } };
    const v = vehicle.box;
    expect(vehicle.score).toBeGreaterThan(0);
    expect(vehicle.type).not.toBe('');
    expect([v.xmin <= p.xmin, v.ymin <= p.ymin, v.xmax >= p.xmax, v.ymax >= p.ymax]).toEqual([true, true, true, true]);
    // A car-sized box, not the plate's own.
    expect((v.xmax - v.xmin) * (v.ymax - v.ymin)).toBeGreaterThan(4 * (p.xmax - p.xmin) * (p.ymax - p.ymin));
  });

  it('detection_mode vehicle answers in the vehicle shape: plate and vehicle objects with top-3 props', async () => {
    const res = await post(form({ config: JSON.stringify({ detection_mode: 'vehicle' }) }, { bytes: CAR_JPEG, name: 'car.jpg' }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.results.length).toBeGreaterThanOrEqual(1);
    const [first] = body.results;
    expect(Object.keys(first)).toEqual(['plate', 'vehicle']);
    expect(Object.keys(first.plate)).toEqual(['type', 'score', 'box', 'props']);
    expect(first.plate.type).toBe('Plate');
    expect(first.plate.props.plate.length).toBeGreaterThanOrEqual(1);
    expect(first.plate.props.plate.length).toBeLessThanOrEqual(3);
    expect(Object.keys(first.plate.props.plate[0])).toEqual(['value', 'score']);
    expect(first.plate.props.region[0].value).toMatch(/^[a-z]{2}(-[a-z0-9]+)?$/);
    expect(Object.keys(first.vehicle)).toEqual(['type', 'score', 'box', 'props']);
    expect(first.vehicle.score).toBeGreaterThan(0);
    expect(Object.keys(first.vehicle.props)).toEqual(['make_model', 'orientation', 'color']);
    expect(first.vehicle.props.orientation).toHaveLength(3);
    expect(Object.keys(first.vehicle.props.orientation[0])).toEqual(['value', 'score']);
    // Vehicles without a plate come after, with no plate object.
    for (const r of body.results.slice(1)) {
      if (!('plate' in r)) expect(Object.keys(r)).toEqual(['vehicle']);
    }
    expectPublishedShape(body);
  });

  it('detection_rule strict keeps only plates on a vehicle', async () => {
    const body = await (await post(form({ config: JSON.stringify({ detection_rule: 'strict' }) }, { bytes: CAR_JPEG, name: 'car.jpg' }))).json();
    expect(body.results.length).toBeGreaterThanOrEqual(1);
    for (const r of body.results as PlateResult[]) expect(r.vehicle.score).toBeGreaterThan(0);
  });

  it('fetches upload_url from an allowed server', async () => {
    const images = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(CAR_JPEG);
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    const local = await startTestServer({ ALLOW_PRIVATE_URLS: '1' });
    try {
      const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cam/snap.jpg`;
      const res = await fetch(local.url('/v1/plate-reader/'), { method: 'POST', body: form({ upload_url: url }), headers: AUTH });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body.filename).toMatch(/_snap\.jpg$/);
      expect(body.results.length).toBeGreaterThanOrEqual(1);
    } finally {
      await local.stop();
      images.close();
    }
  });

  it('answers the CORS preflight for browsers', async () => {
    const res = await fetch(server.url('/v1/plate-reader/'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('counts successful calls in /v1/statistics/ and not the failed ones', async () => {
    const before = await (await fetch(server.url('/v1/statistics/'), { headers: AUTH })).json();
    await post(form({}, { bytes: CAR_JPEG, name: 'a.jpg' }));
    await post(form({}, { bytes: new Uint8Array([1, 2, 3]), name: 'bad.jpg' }));
    const after = await (await fetch(server.url('/v1/statistics/'), { headers: AUTH })).json();
    expect(Object.keys(after)).toEqual(['usage', 'total_calls']);
    expect(Object.keys(after.usage)).toEqual(['month', 'calls', 'year', 'resets_on']);
    expect(after.usage.calls).toBe(before.usage.calls + 1);
    expect(after.total_calls).toBe(2500);
    expect(after.usage.resets_on).toMatch(/^\d{4}-\d\d-\d\dT00:00:00Z$/);
  });
});
