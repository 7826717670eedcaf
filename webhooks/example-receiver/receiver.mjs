#!/usr/bin/env node
// Example Platewise webhook receiver: plain Node (18+), no dependencies.
//
//   WEBHOOK_SECRET=whsec_... PORT=8081 node receiver.mjs
//
// Verifies the Standard Webhooks signature over the raw body (before any parsing), refuses timestamps more
// than 5 minutes away (replays), accepts both the JSON body and the multipart body of "with image" targets,
// and prints the plates. Answer 2xx quickly: Platewise retries anything else and removes targets that keep
// failing. Do slow work after answering, and de-duplicate on `webhook-id` (retries reuse it).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const SECRET = process.env.WEBHOOK_SECRET ?? '';
const PORT = Number(process.env.PORT ?? 8081);
const HOST = process.env.HOST ?? '0.0.0.0';
const TOLERANCE_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 50 * 1024 * 1024;

if (!SECRET.startsWith('whsec_')) {
  console.error('Set WEBHOOK_SECRET to the whsec_... secret shown when the webhook was created.');
  process.exit(1);
}
const KEY = Buffer.from(SECRET.slice('whsec_'.length), 'base64');

/** Returns null when the request is authentic, else the reason it is not. */
function verify(headers, rawBody, nowSeconds = Math.floor(Date.now() / 1000)) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) {
    return 'timestamp outside the 5 minute tolerance';
  }
  const expected = createHmac('sha256', KEY).update(`${id}.${timestamp}.`).update(rawBody).digest();
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) continue;
    const given = Buffer.from(signature, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'signature mismatch';
}

/** `{hook, data}` from either body form, plus the image of multipart deliveries. */
async function parse(contentType, rawBody) {
  if (contentType.startsWith('application/json')) return { message: JSON.parse(rawBody.toString('utf8')) };
  if (contentType.startsWith('multipart/form-data')) {
    // The built-in WHATWG Request parses multipart, so no dependency is needed.
    const form = await new Request('http://receiver.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: rawBody,
    }).formData();
    const upload = form.get('upload');
    return { message: JSON.parse(String(form.get('json'))), image: typeof upload === 'string' ? undefined : upload };
  }
  throw new Error(`unsupported content type ${contentType}`);
}

/** Plates from both result shapes (default, and `detection_mode: vehicle`). */
function platesOf(data) {
  return (data?.results ?? []).flatMap((r) => {
    if (typeof r.plate === 'string') return [`${r.plate} (${r.score})`];
    const top = r.plate?.props?.plate?.[0];
    return top ? [`${top.value} (${top.score})`] : [];
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      answer(res, 413, { error: 'body too large' });
      req.destroy();
    } else chunks.push(chunk);
  });
  req.on('end', async () => {
    const rawBody = Buffer.concat(chunks);
    const problem = verify(req.headers, rawBody);
    if (problem) {
      console.error(`rejected ${req.headers['webhook-id'] ?? '(no id)'}: ${problem}`);
      return answer(res, 401, { error: problem });
    }
    let parsed;
    try {
      parsed = await parse(String(req.headers['content-type'] ?? ''), rawBody);
    } catch (err) {
      return answer(res, 400, { error: String(err.message ?? err) });
    }
    answer(res, 200, { ok: true });
    const { hook, data } = parsed.message;
    const image = parsed.image ? ` image ${parsed.image.name} ${parsed.image.size} bytes` : '';
    if (hook?.event === 'usage.warning') {
      console.log(`${req.headers['webhook-id']} usage.warning: ${data.usage.calls} of ${data.total_calls} calls used`);
    } else {
      const plates = platesOf(data);
      console.log(
        `${req.headers['webhook-id']} ${hook?.event} camera=${data?.camera_id ?? '-'}${image} plates: ${plates.join(', ') || 'none'}`,
      );
    }
  });
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address.includes(':') ? `[${address}]` : address}:${port}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
