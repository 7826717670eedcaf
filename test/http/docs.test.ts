// Risk covered: /openapi.json documents every endpoint from the validating schemas, and /docs renders in a
// real browser from local assets (on-prem boxes have no internet).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('OpenAPI', () => {
  it('documents the endpoints with their schemas', async () => {
    const doc = await (await fetch(server.url('/openapi.json'))).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/plate-reader/', '/v1/statistics/', '/admin/accounts', '/admin/accounts/{id}', '/admin/tokens/{token_prefix}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const multipart = doc.paths['/v1/plate-reader/'].post.requestBody.content['multipart/form-data'].schema;
    expect(Object.keys(multipart.properties)).toEqual(
      expect.arrayContaining(['upload', 'upload_url', 'regions', 'camera_id', 'timestamp', 'mmc', 'config']),
    );
  });

  it.skipIf(!existsSync(CHROMIUM))('renders /docs in Chromium without any network', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(server.base)) external.push(r.url());
      });
      await page.goto(server.url('/docs'));
      await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
      const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.trim()));
      expect(paths).toContain('/v1/plate-reader/');
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
