import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError } from '../../src/errors.js';
import { isBlockedAddress } from '../../src/net/ip-policy.js';
import { assertPublicUrl, fetchImage, safeRequest } from '../../src/net/safe-fetch.js';
import { type LocalServer, startServer } from './local-server.js';

// Risk: upload_url and webhook targets reach internal services (SSRF), or a slow/huge answer ties up the server.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
let server: LocalServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/car.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
    if (path === '/named') {
      res.writeHead(200, { 'content-disposition': 'attachment; filename="plate 1.jpg"' });
      return void res.end(JPEG);
    }
    if (path === '/big-declared') return void res.writeHead(200, { 'content-length': '5000000' }).end();
    if (path === '/big-chunked') {
      res.writeHead(200); // no content-length: the limit must hold while streaming
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 40; i++) res.write(chunk);
      return void res.end();
    }
    if (path === '/never') return; // accepts the request, never answers
    if (path === '/slow-body') {
      res.writeHead(200, { 'content-length': '100' });
      return void res.write('partial'); // headers fast, body never finishes
    }
    if (path === '/missing') return void res.writeHead(404).end('nope');
    if (path.startsWith('/hop/')) {
      const n = Number(path.slice(5));
      const location = n === 0 ? '/car.jpg' : `/hop/${n - 1}`;
      return void res.writeHead(302, { location }).end();
    }
    if (path === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (path === '/to-ten') return void res.writeHead(301, { location: 'http://10.0.0.1/' }).end();
    if (path === '/to-v6-loopback') return void res.writeHead(307, { location: `http://[::1]:${server.port}/car.jpg` }).end();
    if (path === '/to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    res.writeHead(500).end();
  });
});
afterAll(() => server.close());

const limits = { timeoutMs: 2000, maxBytes: 1024 * 1024 };
/** Stands in for a public address: the test server's own loopback address only, everything else as in production. */
const onlyTestServer = (ip: string) => ip !== '127.0.0.1' && isBlockedAddress(ip);

describe('fetchImage: happy', () => {
  it('fetches bytes and names the file after the URL path', async () => {
    const got = await fetchImage(`${server.origin}/car.jpg`, { ...limits, allowPrivate: true });
    expect(Buffer.from(got.bytes).equals(JPEG)).toBe(true);
    expect(got.filename).toBe('car.jpg');
  });
  it('prefers Content-Disposition for the filename', async () => {
    const got = await fetchImage(`${server.origin}/named`, { ...limits, allowPrivate: true });
    expect(got.filename).toBe('plate 1.jpg');
  });
  it('follows up to 5 redirects and refuses the 6th', async () => {
    const got = await fetchImage(`${server.origin}/hop/4`, { ...limits, allowPrivate: true });
    expect(got.filename).toBe('car.jpg');
    await expect(fetchImage(`${server.origin}/hop/5`, { ...limits, allowPrivate: true })).rejects.toThrow(/redirects/);
  });
});

describe('fetchImage: limits', () => {
  it('refuses a body whose Content-Length is over the limit, up front (413)', async () => {
    const err = await fetchImage(`${server.origin}/big-declared`, { ...limits, allowPrivate: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).message).toMatch(/declares 5000000 bytes/);
  });
  it('aborts a streamed body once it passes the limit (413)', async () => {
    const err = await fetchImage(`${server.origin}/big-chunked`, { ...limits, allowPrivate: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
  });
  it('gives up on a server that never answers (400, within the deadline)', async () => {
    const started = Date.now();
    const err = await fetchImage(`${server.origin}/never`, { timeoutMs: 300, maxBytes: 1000, allowPrivate: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
  it('gives up on a body that never finishes', async () => {
    const err = await fetchImage(`${server.origin}/slow-body`, { timeoutMs: 300, maxBytes: 1000, allowPrivate: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestError);
  });
  it('maps a non-2xx answer to 400', async () => {
    await expect(fetchImage(`${server.origin}/missing`, { ...limits, allowPrivate: true })).rejects.toThrow(/answered 404/);
  });
});

describe('SSRF guard', () => {
  const refused = [
    'http://127.0.0.1/',
    'http://10.0.0.1/x.jpg',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0/',
    'http://2130706433/', // 127.0.0.1 as one integer
    'http://0x7f.1/',
    'http://192.168.0.1:8080/',
    'http://[fd00::1]/',
  ];
  it.each(refused)('refuses %s', async (url) => {
    const err = await fetchImage(url, { ...limits, allowPrivate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('upload_url_refused');
  });
  it('refuses a hostname that resolves to loopback (checked at connect, after DNS)', async () => {
    const result = await safeRequest(`http://localhost:${server.port}/car.jpg`, { timeoutMs: 2000, allowPrivate: false });
    expect(result).toMatchObject({ type: 'failure', reason: 'blocked' });
    expect(server.requests.some((r) => r.url === '/car.jpg' && r.headers.host?.startsWith('localhost'))).toBe(false);
  });
  it.each(['file:///etc/passwd', 'ftp://example.com/x', 'gopher://127.0.0.1/', 'data:image/png;base64,AAAA'])(
    'refuses the scheme of %s',
    async (url) => {
      const err = await fetchImage(url, { ...limits, allowPrivate: true }).catch((e: unknown) => e);
      expect((err as BadRequestError).code).toBe('upload_url_refused');
    },
  );
  it.each(['/to-metadata', '/to-ten', '/to-v6-loopback', '/to-file'])('checks the redirect hop of %s again', async (path) => {
    const result = await safeRequest(`${server.origin}${path}`, { timeoutMs: 2000, maxRedirects: 5, policy: onlyTestServer });
    expect(result.type).toBe('failure');
    if (result.type === 'failure') expect(['blocked', 'scheme']).toContain(result.reason);
  });
  it('lets the same policy through to an allowed first hop', async () => {
    const result = await safeRequest(`${server.origin}/hop/1`, { timeoutMs: 2000, maxRedirects: 5, policy: onlyTestServer });
    expect(result).toMatchObject({ type: 'response', status: 200 });
  });
  it('returns a 3xx as is when redirects are not followed (webhook deliveries)', async () => {
    const result = await safeRequest(`${server.origin}/to-metadata`, { timeoutMs: 2000, allowPrivate: true, method: 'POST', body: '{}' });
    expect(result).toMatchObject({ type: 'response', status: 302 });
  });
});

describe('assertPublicUrl', () => {
  it('refuses private literals and names that resolve to loopback', async () => {
    await expect(assertPublicUrl('http://10.1.2.3/hook', false)).rejects.toThrow(/private or reserved/);
    await expect(assertPublicUrl('http://localhost:9000/hook', false)).rejects.toThrow(/private or reserved/);
    await expect(assertPublicUrl('ftp://example.com/', false)).rejects.toThrow(/only http and https/);
    await expect(assertPublicUrl('not a url', false)).rejects.toThrow(/not a valid URL/);
  });
  it('accepts public addresses, and private ones when allowed', async () => {
    await expect(assertPublicUrl('https://93.184.215.14/hook', false)).resolves.toBeInstanceOf(URL);
    await expect(assertPublicUrl('http://localhost:9000/hook', true)).resolves.toBeInstanceOf(URL);
  });
});
