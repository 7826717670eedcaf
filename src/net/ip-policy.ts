import { isIP } from 'node:net';

/**
 * Which IP addresses an outbound request (upload_url, webhook delivery) may reach. Anything that is not plainly
 * a public unicast address is refused: loopback, RFC 1918, CGNAT, link-local (cloud metadata at
 * 169.254.169.254), unique-local, multicast, documentation and reserved ranges, and IPv6 forms that embed one
 * of those IPv4 addresses (mapped, compatible, NAT64, 6to4). Pure functions over bytes, no DNS.
 */

type Cidr = readonly [prefix: Uint8Array, bits: number];

function v4(text: string, bits: number): Cidr {
  return [Uint8Array.from(text.split('.').map(Number)), bits];
}

function v6(text: string, bits: number): Cidr {
  const bytes = parseIpv6(text);
  if (!bytes) throw new Error(`bad IPv6 range ${text}`);
  return [bytes, bits];
}

const BLOCKED_V4: readonly Cidr[] = [
  v4('0.0.0.0', 8), // "this network"; 0.0.0.0 reaches the local host on Linux
  v4('10.0.0.0', 8),
  v4('100.64.0.0', 10), // carrier-grade NAT
  v4('127.0.0.0', 8),
  v4('169.254.0.0', 16), // link-local, cloud metadata services
  v4('172.16.0.0', 12),
  v4('192.0.0.0', 24), // IETF protocol assignments
  v4('192.0.2.0', 24), // TEST-NET-1
  v4('192.88.99.0', 24), // 6to4 relay anycast
  v4('192.168.0.0', 16),
  v4('198.18.0.0', 15), // benchmarking
  v4('198.51.100.0', 24), // TEST-NET-2
  v4('203.0.113.0', 24), // TEST-NET-3
  v4('224.0.0.0', 4), // multicast
  v4('240.0.0.0', 4), // reserved, includes 255.255.255.255 broadcast
];

const BLOCKED_V6: readonly Cidr[] = [
  v6('::', 128), // unspecified
  v6('::1', 128), // loopback
  v6('64:ff9b:1::', 48), // local-use NAT64
  v6('100::', 64), // discard-only
  v6('2001:db8::', 32), // documentation
  v6('2001:10::', 28), // ORCHID
  v6('fc00::', 7), // unique-local
  v6('fe80::', 10), // link-local
  v6('fec0::', 10), // site-local (deprecated, still routed by some stacks)
  v6('ff00::', 8), // multicast
];

function inCidr(addr: Uint8Array, [prefix, bits]: Cidr): boolean {
  if (addr.length !== prefix.length) return false;
  for (let i = 0; i < bits; i += 8) {
    const left = Math.min(8, bits - i);
    const mask = (0xff << (8 - left)) & 0xff;
    const byte = i / 8;
    if (((addr[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** 16 bytes, or undefined when the text is not an IPv6 address. Accepts a trailing dotted quad and a zone id. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const noZone = text.replace(/%.*$/, '');
  if (isIP(noZone) !== 6) return undefined;
  let head = noZone;
  const tailWords: number[] = [];
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (quad?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = quad[1].split('.').map(Number);
    tailWords.push((a << 8) | b, (c << 8) | d);
    head = head.slice(0, -quad[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => Number.parseInt(w, 16)));
  const l = words(left);
  const r = [...(right === undefined ? [] : words(right)), ...tailWords];
  const all = right === undefined ? [...l, ...tailWords] : [...l, ...new Array(8 - l.length - r.length).fill(0), ...r];
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = (w >> 8) & 0xff;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function parseIpv4(text: string): Uint8Array | undefined {
  if (isIP(text) !== 4) return undefined;
  return Uint8Array.from(text.split('.').map(Number));
}

const NAT64 = v6('64:ff9b::', 96);

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedIpv4(b: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible form)
  if (zeros(0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) return b.slice(12);
  // 64:ff9b::/96, well-known NAT64 prefix
  if (inCidr(b, NAT64)) return b.slice(12);
  // 2002:AABB:CCDD::/48, 6to4
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6);
  return undefined;
}

/** True when the address must not be contacted (also for text that is not an IP address at all). */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const a4 = parseIpv4(bare);
  if (a4) return BLOCKED_V4.some((c) => inCidr(a4, c));
  const a6 = parseIpv6(bare);
  if (!a6) return true;
  if (BLOCKED_V6.some((c) => inCidr(a6, c))) return true;
  const inner = embeddedIpv4(a6);
  return inner !== undefined && BLOCKED_V4.some((c) => inCidr(inner, c));
}

/** Decides per resolved address; `isBlockedAddress` in production, narrower predicates in tests. */
export type AddressPolicy = (ip: string) => boolean;

export const blockPrivate: AddressPolicy = isBlockedAddress;
export const allowAll: AddressPolicy = () => false;
