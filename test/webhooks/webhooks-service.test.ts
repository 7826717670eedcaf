import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { listNotifications } from '../../src/db/repos/notifications.repo.js';
import { findTarget } from '../../src/db/repos/webhooks.repo.js';
import { BadRequestError, NotFoundError } from '../../src/errors.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import {
  createTarget,
  deleteTarget,
  emitEvent,
  listDeliveries,
  listTargets,
  registerWebhookProcessor,
  pruneFinishedDeliveries,
  resumePendingDeliveries,
  syncEnvTargets,
} from '../../src/services/webhooks.js';
import { verifyWebhook } from '../../src/webhooks/sign.js';
import { type LocalServer, startServer } from '../net/local-server.js';
import { DATABASES, QUEUES, cleanRedis, makeContext, newAccount, openTestDb, waitFor } from './harness.js';

// Risk: deliveries lost, retried wrongly, or failing targets never removed; secrets leaking through listings.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9, 0xff, 0xd9]);
const DATA = { processing_time: 1.5, results: [{ plate: 'abc123' }], filename: 'car.jpg', version: 1, camera_id: null, timestamp: 'x' };
let server: LocalServer;
const hits = new Map<string, number>();

beforeAll(async () => {
  // /ok/*: 200; /fail/*: 500; /flaky<N>/*: 500 for the first N requests, then 200.
  server = await startServer((req, res) => {
    const n = (hits.get(req.url) ?? 0) + 1;
    hits.set(req.url, n);
    const flaky = /^\/flaky(\d+)\//.exec(req.url);
    const ok = req.url.startsWith('/ok/') || (flaky !== null && n > Number(flaky[1]));
    res.writeHead(ok ? 204 : 500).end();
  });
});
afterAll(async () => {
  await server.close();
  await cleanRedis();
});
const path = (kind: string) => `${server.origin}/${kind}/${randomUUID()}`;
const requestsTo = (url: string) => server.requests.filter((r) => url.endsWith(r.url));

describe.each(DATABASES)('webhooks service on $name', ({ url: dbUrl }) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(dbUrl);
  });
  afterAll(() => db.destroy());

  describe('targets', () => {
    it('creates a target with a secret shown once, lists without it, deletes only the owner’s', async () => {
      const ctx = makeContext(db);
      const owner = await newAccount(db);
      const other = await newAccount(db);
      const created = await createTarget(ctx, owner, { url: path('ok'), withImage: true });
      expect(created).toMatchObject({ event: 'image.done', with_image: true, source: 'api', consecutive_failures: 0 });
      expect(created.secret).toMatch(/^whsec_/);
      const listed = await listTargets(ctx, owner);
      expect(listed).toHaveLength(1);
      expect(listed[0]).not.toHaveProperty('secret');
      await expect(deleteTarget(ctx, other, created.id)).rejects.toBeInstanceOf(NotFoundError);
      await deleteTarget(ctx, owner, created.id);
      expect(await listTargets(ctx, owner)).toEqual([]);
    });

    it('refuses unknown events and, unless allowed, private URLs', async () => {
      const owner = await newAccount(db);
      await expect(createTarget(makeContext(db), owner, { url: path('ok'), event: 'plate.read' })).rejects.toThrow(/Unknown webhook event/);
      const strict = makeContext(db, { ALLOW_PRIVATE_URLS: '0' });
      await expect(createTarget(strict, owner, { url: path('ok') })).rejects.toBeInstanceOf(BadRequestError);
      await expect(createTarget(strict, owner, { url: 'http://169.254.169.254/' })).rejects.toThrow(/private or reserved/);
    });

    it('syncs WEBHOOK_URLS idempotently', async () => {
      const ctx = makeContext(db, { ALLOW_PRIVATE_URLS: '0' });
      const owner = await newAccount(db);
      const a = path('ok');
      const b = path('ok');
      expect(await syncEnvTargets(ctx, owner, [a, b, a], false)).toEqual({ created: 2, removed: 0 });
      expect(await syncEnvTargets(ctx, owner, [a, b], false)).toEqual({ created: 0, removed: 0 });
      expect(await syncEnvTargets(ctx, owner, [a], true)).toEqual({ created: 1, removed: 2 });
      const targets = await listTargets(ctx, owner);
      expect(targets.map((t) => [t.url, t.source, t.with_image])).toEqual([[a, 'env', true]]);
    });
  });

  describe.each(QUEUES)('deliveries through the $name queue', ({ make }) => {
    const queues: JobQueue[] = [];
    const started = (ctx: ReturnType<typeof makeContext>, hooks: Parameters<typeof registerWebhookProcessor>[2] = {}) => {
      const q = make();
      queues.push(q);
      registerWebhookProcessor(ctx, q, hooks);
      return q;
    };
    afterEach(async () => {
      await Promise.all(queues.splice(0).map((q) => q.close()));
    });
    const settled = (id: number) =>
      waitFor(async () => {
        const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
        return row && row.status !== 'pending' ? row : undefined;
      });
    const deliveryIds = async (targetId: number) =>
      (await db.selectFrom('webhook_deliveries').select('id').where('target_id', '=', targetId).orderBy('id').execute()).map((r) => r.id);

    it('delivers signed image.done to matching targets only, storing images only for with-image targets', async () => {
      const ctx = makeContext(db);
      const q = started(ctx);
      const owner = await newAccount(db);
      const plain = await createTarget(ctx, owner, { url: path('ok') });
      const withImage = await createTarget(ctx, owner, { url: path('ok'), withImage: true });
      const warnings = await createTarget(ctx, owner, { url: path('ok'), event: 'usage.warning' });
      expect(await emitEvent(ctx, q, owner, 'image.done', DATA, JPEG)).toBe(2);
      const [d1] = await deliveryIds(plain.id);
      const [d2] = await deliveryIds(withImage.id);
      expect(await settled(d1 ?? 0)).toMatchObject({ status: 'delivered', attempts: 1, image: null, last_error: null });
      expect(await settled(d2 ?? 0)).toMatchObject({ status: 'delivered', attempts: 1, image: null });
      const [json] = requestsTo(plain.url);
      expect(JSON.parse(json?.body.toString() ?? '')).toEqual({ hook: { target: plain.url, id: plain.id, event: 'image.done' }, data: DATA });
      expect(verifyWebhook(plain.secret, json?.headers ?? {}, json?.body ?? '', { now: new Date() })).toEqual({ ok: true });
      const [multi] = requestsTo(withImage.url);
      expect(multi?.headers['content-type']).toMatch(/^multipart\/form-data/);
      expect(verifyWebhook(withImage.secret, multi?.headers ?? {}, multi?.body ?? '', { now: new Date() }).ok).toBe(true);
      expect(requestsTo(warnings.url)).toHaveLength(0);
    });

    it('retries with the configured delays and resets nothing on the way to success', async () => {
      const ctx = makeContext(db);
      const outcomes: [boolean, boolean][] = [];
      const q = started(ctx, { onAttempt: (o) => outcomes.push([o.ok, o.final]) });
      const owner = await newAccount(db);
      const target = await createTarget(ctx, owner, { url: path('flaky2') });
      const t0 = Date.now();
      await emitEvent(ctx, q, owner, 'image.done', DATA);
      const [id] = await deliveryIds(target.id);
      expect(await settled(id ?? 0)).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140); // 50 + 100 ms of backoff
      expect(requestsTo(target.url)).toHaveLength(3);
      expect(await listDeliveries(ctx, owner, target.id)).toMatchObject([{ status: 'delivered', attempts: 3 }]);
      await expect(listDeliveries(ctx, await newAccount(db), target.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(outcomes).toEqual([[false, false], [false, false], [true, true]]);
      expect((await findTarget(db, target.id))?.consecutive_failures).toBe(0);
    });

    it('counts one failure per exhausted delivery, resets on success, removes the target at maxFailures', async () => {
      const ctx = makeContext(db, { WEBHOOK_MAX_FAILURES: '2' });
      const q = started(ctx);
      const owner = await newAccount(db);
      const target = await createTarget(ctx, owner, { url: path('flaky3') });
      await emitEvent(ctx, q, owner, 'image.done', DATA, JPEG); // 3 attempts, all 500
      const [first] = await deliveryIds(target.id);
      expect(await settled(first ?? 0)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'the target answered 500', image: null });
      expect(requestsTo(target.url)).toHaveLength(3);
      expect((await findTarget(db, target.id))?.consecutive_failures).toBe(1);

      await emitEvent(ctx, q, owner, 'image.done', DATA); // the 4th request succeeds
      const [, second] = await deliveryIds(target.id);
      expect(await settled(second ?? 0)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect((await findTarget(db, target.id))?.consecutive_failures).toBe(0);

      const failing = await createTarget(ctx, owner, { url: path('fail') });
      for (let i = 0; i < 2; i++) {
        await emitEvent(ctx, q, owner, 'image.done', DATA);
        const ids = await deliveryIds(failing.id);
        if (i === 0) await settled(ids.at(-1) ?? 0);
      }
      await waitFor(async () => ((await findTarget(db, failing.id)) ? undefined : true));
      expect(requestsTo(failing.url)).toHaveLength(6);
      const notes = await listNotifications(db, owner);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ kind: 'webhook.removed', data: { target_id: failing.id, url: failing.url, failures: 2 } });
      expect(await findTarget(db, target.id)).toBeDefined(); // the healthy target stays
    });

    it('resumes pending deliveries at start, keeping their place in the retry schedule', async () => {
      const ctx = makeContext(db);
      const owner = await newAccount(db);
      const ok = await createTarget(ctx, owner, { url: path('ok'), withImage: true });
      const failing = await createTarget(ctx, owner, { url: path('fail') });
      const idle = make(); // no processor: the process "died" before delivering
      queues.push(idle);
      expect(await emitEvent(ctx, idle, owner, 'image.done', DATA, JPEG)).toBe(2);
      const [okId] = await deliveryIds(ok.id);
      const [failId] = await deliveryIds(failing.id);
      const stored = await db.selectFrom('webhook_deliveries').select('image').where('id', '=', okId ?? 0).executeTakeFirstOrThrow();
      expect(Buffer.from(stored.image ?? []).equals(JPEG)).toBe(true);
      // Two attempts already made before the "crash": only the last of the three remains.
      await db.updateTable('webhook_deliveries').set({ attempts: 2 }).where('id', '=', failId ?? 0).execute();
      await idle.close();

      const q = started(ctx);
      expect(await resumePendingDeliveries(ctx, q)).toBeGreaterThanOrEqual(2);
      expect(await settled(okId ?? 0)).toMatchObject({ status: 'delivered', image: null });
      expect(await settled(failId ?? 0)).toMatchObject({ status: 'failed', attempts: 3 });
      expect(requestsTo(failing.url)).toHaveLength(1);
    });

    it('checks addresses again at delivery: private targets fail unless operator-configured (env)', async () => {
      const strict = makeContext(db, { ALLOW_PRIVATE_URLS: '0' });
      const q = started(strict);
      const owner = await newAccount(db);
      const envUrl = path('ok');
      await syncEnvTargets(strict, owner, [envUrl], false);
      // Created while private URLs were allowed; the server now runs without ALLOW_PRIVATE_URLS.
      const apiTarget = await createTarget(makeContext(db), owner, { url: path('ok') });
      await emitEvent(strict, q, owner, 'image.done', DATA);
      const [envTarget] = (await listTargets(strict, owner)).filter((t) => t.source === 'env');
      const [envDelivery] = await deliveryIds(envTarget?.id ?? 0);
      const [apiDelivery] = await deliveryIds(apiTarget.id);
      expect(await settled(envDelivery ?? 0)).toMatchObject({ status: 'delivered' });
      expect(await settled(apiDelivery ?? 0)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/^blocked/) });
      expect(requestsTo(apiTarget.url)).toHaveLength(0);
    });

    it('prunes finished deliveries past the retention, never pending ones', async () => {
      const ctx = makeContext(db);
      const q = started(ctx);
      const owner = await newAccount(db);
      const target = await createTarget(ctx, owner, { url: path('ok') });
      await emitEvent(ctx, q, owner, 'image.done', DATA);
      const [done] = await deliveryIds(target.id);
      await settled(done ?? 0);
      const idle = make();
      queues.push(idle);
      await emitEvent(ctx, idle, owner, 'image.done', DATA); // stays pending
      const later = { ...ctx, clock: () => new Date(Date.now() + 8 * 24 * 3600 * 1000) };
      expect(await pruneFinishedDeliveries(later)).toBeGreaterThanOrEqual(1);
      const left = await deliveryIds(target.id);
      expect(left).toHaveLength(1);
      expect(left[0]).not.toBe(done);
    });

    it('never throws into the caller when queueing fails', async () => {
      const ctx = makeContext(db);
      const owner = await newAccount(db);
      await createTarget(ctx, owner, { url: path('ok') });
      const broken = make();
      await broken.close();
      await expect(emitEvent(ctx, broken, owner, 'image.done', DATA)).resolves.toBe(0);
    });
  });
});
