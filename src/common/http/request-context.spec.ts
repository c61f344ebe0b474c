import { describe, expect, it } from 'vitest';
import { MAX_IP_LENGTH, normalizeIp } from './request-context';

describe('normalizeIp: only an IP address is ever stored as one', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['  203.0.113.7 ', '203.0.113.7'],
    ['2001:DB8::8329', '2001:db8::8329'],
    ['2001:db8::8329%enp0s31f6', '2001:db8::8329'],
    ['fe80::1%eth0', 'fe80::1'],
    [`fe80::1%${'x'.repeat(100)}`, 'fe80::1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'],
  ])('%s → %s', (raw, ip) => {
    expect(normalizeIp(raw)).toBe(ip);
    expect(ip.length).toBeLessThanOrEqual(MAX_IP_LENGTH);
  });

  it.each([
    ['1'.repeat(46)],
    ['not an address'],
    ['203.0.113.7%eth0'],
    ['%eth0'],
    ['[2001:db8::1]'],
    ['203.0.113.7:443'],
    ['203.0.113.7, 198.51.100.1'],
    [''],
  ])('%s → null', (raw) => {
    expect(normalizeIp(raw)).toBeNull();
  });

  it('null and non-strings → null', () => {
    expect(normalizeIp(undefined)).toBeNull();
    expect(normalizeIp(null)).toBeNull();
    expect(normalizeIp(['203.0.113.7'])).toBeNull();
  });
});
