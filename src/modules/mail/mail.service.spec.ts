import { ManualClock } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainException } from '../../common/errors/domain.exception';
import { loadConfig } from '../../config/app-config';
import { MailTransport } from './mail-transport.service';
import { MailService } from './mail.service';
import { retryDelaySeconds } from './mail.worker';
import { SmtpSettingsService, validate } from './smtp-settings.service';
import { MailRenderer } from './templates/mail-renderer';
import { Metrics } from '../../observability/metrics';

const secret = randomBytes(32).toString('base64');

/** MailService over stub repositories: no settings row stored, an outbox that records inserts. */
function serviceFor(env: Record<string, string>) {
  const config = loadConfig({ APP_SECRET: secret, DATABASE_URL: 'mysql://root@127.0.0.1:3306/unused', ...env });
  const sealer = new SecretSealer(config.appSecret);
  const settingsRepo = { findOneBy: async () => null };
  const inserted: unknown[] = [];
  const outbox = {
    createQueryBuilder: () => {
      const builder = {
        insert: () => builder,
        values: (row: unknown) => (inserted.push(row), builder),
        updateEntity: () => builder,
        execute: async () => ({}),
      };
      return builder;
    },
  };
  const settings = new SmtpSettingsService(settingsRepo as never, sealer, {} as never, config, new ManualClock());
  const transport = new MailTransport({} as never, settings, config);
  const mail = new MailService(outbox as never, transport, settings, new MailRenderer(config.appName), sealer, new ManualClock(), new Metrics(config));
  return { mail, inserted, sealer };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof DomainException ? error.code : String(error);
  }
}

describe('MailService without a mail server', () => {
  it('production without SMTP_URL or settings: SMTP_NOT_CONFIGURED, nothing queued', async () => {
    const { mail, inserted } = serviceFor({ NODE_ENV: 'production' });
    expect(await mail.canSend()).toBe(false);
    expect(await codeOf(mail.assertCanSend())).toBe('SMTP_NOT_CONFIGURED');
    expect(await codeOf(mail.enqueue({ to: 'a@example.com', template: 'sign-in-code', context: { code: '123456' } }))).toBe('SMTP_NOT_CONFIGURED');
    expect(await codeOf(mail.sendTestEmail('a@example.com'))).toBe('SMTP_NOT_CONFIGURED');
    expect(inserted).toEqual([]);
  });

  it('production with SMTP_URL can send', async () => {
    const { mail } = serviceFor({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com:25' });
    expect(await mail.canSend()).toBe(true);
  });

  it('development falls back to the development mailbox', async () => {
    const { mail } = serviceFor({ NODE_ENV: 'development' });
    expect(await mail.canSend()).toBe(true);
    expect((await mail.smtpSettings()).source).toBe('development-mailbox');
  });

  it('queues the message sealed: no address, template or code in clear', async () => {
    const { mail, inserted, sealer } = serviceFor({ NODE_ENV: 'development' });
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    await mail.enqueue({ to: 'someone@example.com', template: 'sign-in-code', context: { code: '987654' }, userId: 'u1', expiresAt });
    const row = inserted[0] as { id: string; body: string; status: string; userId: string; expiresAt: Date };
    expect(row).toMatchObject({ status: 'PENDING', userId: 'u1', expiresAt });
    expect(row.body).not.toMatch(/someone|987654|sign-in-code/);
    expect(JSON.parse(sealer.unseal(row.body, `mail-outbox:${row.id}`))).toEqual({
      to: 'someone@example.com',
      template: 'sign-in-code',
      context: { code: '987654' },
    });
  });

  it('refuses a malformed message at the caller', async () => {
    const { mail } = serviceFor({ NODE_ENV: 'development' });
    await expect(mail.enqueue({ to: 'x@example.com', template: 'sign-in-code', context: {} })).rejects.toThrow(/needs "code"/);
    await expect(mail.enqueue({ to: 'not-an-address', template: 'test-message', context: {} })).rejects.toThrow(/email address/);
  });
});

describe('SMTP settings validation', () => {
  const good = { host: 'smtp.example.com', port: 587, secure: false, fromAddress: 'no-reply@example.com' };
  const fieldOf = (change: object): string | undefined => {
    try {
      validate({ ...good, ...change });
      return undefined;
    } catch (error) {
      expect((error as DomainException).code).toBe('BAD_USER_INPUT');
      return (error as DomainException).details.field;
    }
  };

  it('accepts host names, IPv4 and IPv6', () => {
    expect(fieldOf({})).toBeUndefined();
    expect(fieldOf({ host: '127.0.0.1' })).toBeUndefined();
    expect(fieldOf({ host: 'localhost' })).toBeUndefined();
    expect(fieldOf({ host: '[::1]' })).toBeUndefined();
    expect(validate({ ...good, host: ' [::1] ' }).host).toBe('::1');
  });

  it('names the field at fault', () => {
    expect(fieldOf({ host: '' })).toBe('host');
    expect(fieldOf({ host: 'smtp example.com' })).toBe('host');
    expect(fieldOf({ host: 'smtp.example.com/x' })).toBe('host');
    // Nothing longer than the column: a name has at most 253 characters, an IPv6 address no zone id.
    expect(fieldOf({ host: ':'.repeat(300) })).toBe('host');
    expect(fieldOf({ host: `fe80::1%${'x'.repeat(300)}` })).toBe('host');
    expect(fieldOf({ host: `${'a'.repeat(60)}.`.repeat(5) })).toBe('host');
    expect(fieldOf({ port: 0 })).toBe('port');
    expect(fieldOf({ port: 65536 })).toBe('port');
    expect(fieldOf({ port: 1.5 })).toBe('port');
    expect(fieldOf({ fromAddress: 'nobody' })).toBe('fromAddress');
    expect(fieldOf({ fromAddress: 'a@b.com\r\nBcc: c@d.com' })).toBe('fromAddress');
    expect(fieldOf({ fromName: 'x\ny' })).toBe('fromName');
    expect(fieldOf({ username: 'x'.repeat(256) })).toBe('username');
    expect(fieldOf({ password: 'a\r\nb' })).toBe('password');
  });
});

describe('retry backoff', () => {
  it('doubles from 5 s and stops at 10 minutes', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 80]);
    expect(retryDelaySeconds(50)).toBe(600);
  });
});
