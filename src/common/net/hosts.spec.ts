import { describe, expect, it } from 'vitest';
import { HostAllowList, isLoopbackHost } from './hosts';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'smtp.example.com', 'localhost.example.com', 'my-localhost', '127.0.0.1.nip.io', '0.0.0.0', '::'])(
    '%s is not loopback',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('HostAllowList', () => {
  const { list, problems } = HostAllowList.parse(' smtp.example.com , Relay.Example.org., 10.1.0.0/16, 192.0.2.7, 2001:db8::/32 ');

  it('parses names, addresses and ranges', () => {
    expect(problems).toEqual([]);
    expect(list.entries).toHaveLength(5);
  });

  it.each(['smtp.example.com', 'SMTP.EXAMPLE.COM', 'smtp.example.com.', 'relay.example.org', '10.1.2.3', '::ffff:10.1.200.1', '192.0.2.7', '2001:db8::25', '[2001:db8::25]'])(
    'allows %s',
    (host) => expect(list.allows(host)).toBe(true),
  );

  it.each(['evil.example.com', 'example.com', 'smtp.example.com.evil.net', '10.2.0.1', '192.0.2.8', '2001:db9::1', 'localhost', '127.0.0.1'])(
    'refuses %s',
    (host) => expect(list.allows(host)).toBe(false),
  );

  it('a range never allows a name, and a name never allows an address (no DNS at check time)', () => {
    const only = HostAllowList.parse('127.0.0.0/8, mail.internal').list;
    expect(only.allows('localhost')).toBe(false);
    expect(only.allows('127.0.0.1')).toBe(true);
    expect(only.allows('mail.internal')).toBe(true);
  });

  it('names each malformed entry', () => {
    const { problems: bad } = HostAllowList.parse('ok.example.com, 10.0.0.0/33, not a host, 10.0.0, ::1/129, fe80::1%eth0, smtp.example.com/24, 1.2.3.4/x, , *.example.com');
    expect(bad).toHaveLength(8);
    expect(bad.join('\n')).toMatch(/"10\.0\.0\.0\/33"/);
    expect(bad.join('\n')).toMatch(/"\*\.example\.com"/);
  });
});
