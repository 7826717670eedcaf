import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.profile).toBe('cloud');
    expect(c.http).toEqual({ host: '0.0.0.0', port: 8080, healthPort: 8081 });
    expect(c.plans).toEqual({ monthlyQuota: 2500, ratePerSecond: 1 });
    expect(c.upload.maxBytes).toBe(3 * 1024 * 1024);
    expect(c.webhooks.retryDelaysMs).toEqual([10_000, 60_000, 300_000, 1_800_000]);
    expect(c.webhooks.maxFailures).toBe(5);
    expect(c.db).toEqual({ url: undefined, dataDir: './data' });
    expect(c.redis.url).toBeUndefined();
    expect(c.auth.adminToken).toBeUndefined();
    expect(c.engine).toEqual({ workers: 2, threads: 1, niceness: 10, upsample: false, deskew: true, modelsDir: undefined });
    expect(loadConfig({ ENGINE_DESKEW: 'false' }).engine.deskew).toBe(false);
    expect(loadConfig({ ENGINE_UPSAMPLE: 'true' }).engine.upsample).toBe(true);
    expect(loadConfig({ ENGINE_NICE: '0' }).engine.niceness).toBe(0);
    expect(loadConfig({ ENGINE_NICE: '40' }).engine.niceness).toBe(19); // Linux's largest
  });

  it('raises the SDK upload limit, and 0 means no limit', () => {
    expect(loadConfig({ PROFILE: 'sdk' }).upload.maxBytes).toBe(100 * 1024 * 1024);
    expect(loadConfig({ MAX_UPLOAD_BYTES: '0' }).upload.maxBytes).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('parses flags and lists, and treats empty secrets as unset', () => {
    const c = loadConfig({ ALLOW_PRIVATE_URLS: 'true', WEBHOOK_URLS: 'http://a/, http://b/', ADMIN_TOKEN: '  ', WEBHOOK_RETRY_DELAYS_MS: '5,10' });
    expect(c.upload.allowPrivateUrls).toBe(true);
    expect(c.webhooks.envUrls).toEqual(['http://a/', 'http://b/']);
    expect(c.auth.adminToken).toBeUndefined();
    expect(c.webhooks.retryDelaysMs).toEqual([5, 10]);
  });

  it('refuses invalid values with the variable named', () => {
    expect(() => loadConfig({ PROFILE: 'edge' })).toThrow(/PROFILE/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ WEBHOOK_RETRY_DELAYS_MS: '10,soon' })).toThrow(/WEBHOOK_RETRY_DELAYS_MS/);
    expect(() => loadConfig({ ALLOW_PRIVATE_URLS: 'maybe' })).toThrow(/ALLOW_PRIVATE_URLS/);
    expect(() => loadConfig({ WEBHOOK_SECRET: 'hunter2' })).toThrow(/WEBHOOK_SECRET/);
  });
});
