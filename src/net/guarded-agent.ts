import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { AddressPolicy } from './ip-policy.js';

/**
 * The address check lives inside the socket's own DNS lookup: the addresses that are checked are the addresses
 * that are connected to, so a DNS answer that changes between a check and the connect (rebinding) cannot slip
 * a private address through. IP literals never reach a lookup (net.connect skips it), so every hop is also
 * checked with checkHop before the request is sent.
 */

export class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a private or reserved address`);
  }
}

export class SchemeError extends Error {}

function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      // One bad address refuses the host: a resolver mixing public and private answers is exactly the attack.
      const bad = addresses.find((a) => policy(a.address));
      if (bad) {
        callback(new BlockedAddressError(hostname, bad.address), '', 0);
        return;
      }
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

const agents = new WeakMap<AddressPolicy, Agent>();

/** One pooled Agent per policy, so keep-alive connections are reused but never shared across policies. */
export function agentFor(policy: AddressPolicy): Agent {
  let agent = agents.get(policy);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy) }, keepAliveTimeout: 4_000 });
    agents.set(policy, agent);
  }
  return agent;
}

/** Throws SchemeError or BlockedAddressError for a hop that must not be requested. Hostnames pass to the lookup. */
export function checkHop(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SchemeError(`only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`);
  }
  // WHATWG URL already canonicalises 0x7f.1, 2130706433 and friends to dotted quads.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0 && policy(host)) throw new BlockedAddressError(host, host);
}

/** Resolves a hostname now and applies the policy (validating a URL at creation time, not at connect). */
export async function resolveAndCheck(url: URL, policy: AddressPolicy): Promise<void> {
  checkHop(url, policy);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) return;
  const addresses = await dns.promises.lookup(host, { all: true });
  const bad = addresses.find((a) => policy(a.address));
  if (bad) throw new BlockedAddressError(host, bad.address);
}

/** Finds our own errors in undici's cause chains. */
export function findCause<T extends Error>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}
