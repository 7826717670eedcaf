import { describe, expect, it } from 'vitest';
import { isBlockedAddress, parseIpv6 } from '../../src/net/ip-policy.js';

// Risk: an address class missed here is an SSRF hole for upload_url and webhook targets.
describe('isBlockedAddress', () => {
  const blocked = [
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1',
    '100.127.255.254', '169.254.169.254', '169.254.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1',
    '192.0.0.170', '192.0.2.5', '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.251', '239.255.255.250',
    '240.0.0.1', '255.255.255.255',
    '::', '::1', '[::1]', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.1.2.3', '::ffff:169.254.169.254', '::127.0.0.1',
    '64:ff9b::a9fe:a9fe', '64:ff9b::10.0.0.1', '2002:7f00:1::', '2002:c0a8:101::1', '2001:db8::1', '100::1',
    'not-an-ip', '',
  ];
  const allowed = [
    '8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1',
    '169.253.255.255', '192.167.1.1', '11.0.0.1', '223.255.255.255',
    '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1',
  ];
  it.each(blocked)('refuses %s', (ip) => expect(isBlockedAddress(ip)).toBe(true));
  it.each(allowed)('allows %s', (ip) => expect(isBlockedAddress(ip)).toBe(false));
});

describe('parseIpv6', () => {
  it('expands compressed forms and a trailing dotted quad', () => {
    expect(Buffer.from(parseIpv6('::ffff:1.2.3.4') ?? []).toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(Buffer.from(parseIpv6('fe80::1') ?? []).toString('hex')).toBe('fe800000000000000000000000000001');
    expect(Buffer.from(parseIpv6('1:2:3:4:5:6:7:8') ?? []).toString('hex')).toBe('00010002000300040005000600070008');
    expect(parseIpv6('1.2.3.4')).toBeUndefined();
  });
});
