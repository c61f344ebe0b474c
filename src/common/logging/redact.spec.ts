import { describe, expect, it } from 'vitest';
import { REDACTED, sanitize, scrubText } from './redact';

describe('scrubText', () => {
  it('removes the password of a URL and bearer tokens', () => {
    expect(scrubText('connect smtp://mailer:s3cret@mail.example.com:587 failed')).toBe(`connect smtp://mailer:${REDACTED}@mail.example.com:587 failed`);
    expect(scrubText('mysql://root:pw@db/twofold')).toBe(`mysql://root:${REDACTED}@db/twofold`);
    expect(scrubText('Authorization: Bearer abc.DEF_123-xyz')).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    expect(scrubText('Delivery of message 5 failed (attempt 2): 535 Invalid login')).toBe('Delivery of message 5 failed (attempt 2): 535 Invalid login');
    expect(scrubText('see https://example.com/docs')).toBe('see https://example.com/docs');
  });
});

describe('sanitize', () => {
  it('redacts sensitive keys at any depth and keeps the rest', () => {
    const out = sanitize({
      user: 'u1',
      password: 'p',
      nested: { sessionToken: 't', code: '123456', backupCodes: ['a'], smtpPassword: 's', method: 'EMAIL', list: [{ secret: 'x' }] },
      headers: { authorization: 'Bearer t', cookie: 'twofold_td=x', accept: 'json' },
      variables: { anything: 1 },
    });
    expect(out).toEqual({
      user: 'u1',
      password: REDACTED,
      nested: { sessionToken: REDACTED, code: REDACTED, backupCodes: REDACTED, smtpPassword: REDACTED, method: 'EMAIL', list: [{ secret: REDACTED }] },
      headers: { authorization: REDACTED, cookie: REDACTED, accept: 'json' },
      variables: REDACTED,
    });
  });

  it('turns errors into plain objects with scrubbed messages, and bounds depth', () => {
    const out = sanitize(new Error('login to smtp://a:b@host failed')) as { message: string };
    expect(out.message).toBe(`login to smtp://a:${REDACTED}@host failed`);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(JSON.stringify(sanitize(deep))).toContain('[…]');
  });
});
