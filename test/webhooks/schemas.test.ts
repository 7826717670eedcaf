import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { webhookBody } from '../../src/webhooks/deliver.js';
import { WEBHOOK_EVENTS } from '../../src/webhooks/events.js';

// Risk: the published schemas and samples drift apart, or from what the service sends.
const dir = (p: string) => fileURLToPath(new URL(`../../webhooks/${p}`, import.meta.url));
const readJson = (p: string): unknown => JSON.parse(readFileSync(dir(p), 'utf8'));
const schemaFor = (event: string) => z.fromJSONSchema(readJson(`schemas/${event}.v1.json`) as Parameters<typeof z.fromJSONSchema>[0]);
const samples = readdirSync(dir('samples')).filter((f) => f.endsWith('.json'));

describe('webhook schemas', () => {
  it('has a v1 schema for every event', () => {
    for (const event of WEBHOOK_EVENTS) expect(() => schemaFor(event)).not.toThrow();
  });

  it.each(samples)('%s validates against its event schema', (file) => {
    const sample = readJson(`samples/${file}`) as { hook: { event: string } };
    const result = schemaFor(sample.hook.event).safeParse(sample);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('rejects bodies that break the contract', () => {
    const imageDone = schemaFor('image.done');
    const good = readJson('samples/image.done.cloud.json') as { hook: object; data: { results: { plate: string; score: number }[] } };
    expect(imageDone.safeParse({ data: good.data }).success).toBe(false); // no hook
    const upper = structuredClone(good);
    if (upper.data.results[0]) upper.data.results[0].plate = 'NHK552';
    expect(imageDone.safeParse(upper).success).toBe(false); // plates are lower-case
    const badScore = structuredClone(good);
    if (badScore.data.results[0]) badScore.data.results[0].score = 1.5;
    expect(imageDone.safeParse(badScore).success).toBe(false); // scores are in [0, 1], through $ref
    const wrongEvent = { ...good, hook: { ...good.hook, event: 'usage.warning' } };
    expect(imageDone.safeParse(wrongEvent).success).toBe(false);
    expect(schemaFor('usage.warning').safeParse(good).success).toBe(false);
  });

  it('describes what deliverWebhook actually sends', () => {
    const sample = readJson('samples/image.done.sdk.json') as { hook: { target: string; id: number }; data: unknown };
    const sent = JSON.parse(webhookBody(sample.hook.target, sample.hook.id, 'image.done', sample.data));
    expect(schemaFor('image.done').safeParse(sent).success).toBe(true);
    expect(sent).toEqual(sample);
  });
});
