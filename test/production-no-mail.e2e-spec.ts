import { ManualClock } from '@app/clock';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailOutboxEntity } from '../src/modules/mail/entities/mail-outbox.entity';
import { adminToken, createUser, errorCode, signIn, startTestApp, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { ReceivedMail, sixDigitCode, TestSmtpServer } from './support/smtp';

const EMAIL = 'no-mail@example.com';
const PASSWORD = 'no-mail-password-1';
const SIGN_IN = `mutation($input: SignInInput!) {
  signIn(input: $input) { stage sessionToken challenge { methods emailSentTo resendAvailableAt attemptsRemaining } }
}`;
const hasCode = (m: ReceivedMail) => /\b\d{6}\b/.test(m.text);

/**
 * README: "In production without any mail server, a sign-in opens its
 * challenge without an email and resendTwoFactorCode answers
 * SMTP_NOT_CONFIGURED." The user turned email codes on while a server was
 * configured; the instance now runs with NODE_ENV=production, DATABASE_URL
 * and APP_SECRET, and no SMTP_URL (and no admin settings).
 */
describe('production without a mail server', () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let production: TestApp | undefined;
  let backupCodes: string[];
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = new TestSmtpServer();
    await smtp.start();
    // Earlier, with a mail server: the user enrolls their email.
    const before = await startTestApp({ database, clock, env: { SMTP_URL: smtp.url } });
    try {
      await createUser(before, await adminToken(before), { email: EMAIL, password: PASSWORD });
      const token = (await signIn(before, EMAIL, PASSWORD)).sessionToken;
      expect((await before.gql(`mutation { startEmailEnrollment { sentTo } }`, {}, { token })).errors).toBeUndefined();
      const code = sixDigitCode(await smtp.waitFor(EMAIL, { match: hasCode }));
      const confirmed = await before.gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { backupCodes } }`, { code }, { token });
      expect(confirmed.errors).toBeUndefined();
      backupCodes = confirmed.data.confirmEmailEnrollment.backupCodes;
    } finally {
      await before.close();
    }
    production = await startTestApp({ database, clock, env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await production?.close();
    await smtp?.stop();
    await database?.drop();
  });

  it('reports mail as not configured', async () => {
    const health = (await (await fetch(`${production!.url}/health`)).json()) as { mail: unknown };
    expect(health.mail).toMatchObject({ configured: false, source: 'none' });
  });

  it('a sign-in of an EMAIL user opens its challenge without an email; resend is SMTP_NOT_CONFIGURED; a backup code still signs in', async () => {
    const t = production!;
    const outbox = t.app.get(DataSource).getRepository(MailOutboxEntity);
    const queued = await outbox.count();
    const messages = smtp.messages.length;

    const response = await t.gql(SIGN_IN, { input: { email: EMAIL, password: PASSWORD } });
    expect(response.errors).toBeUndefined();
    expect(response.data.signIn).toMatchObject({
      stage: 'PENDING_TWO_FACTOR',
      challenge: { methods: expect.arrayContaining(['BACKUP_CODE']), emailSentTo: null, attemptsRemaining: 5 },
    });
    const token = response.data.signIn.sessionToken as string;
    expect(await outbox.count()).toBe(queued);

    clock.advanceSeconds(60);
    const resend = await t.gql(`mutation { resendTwoFactorCode { emailSentTo } }`, {}, { token });
    expect(errorCode(resend)).toBe('SMTP_NOT_CONFIGURED');
    expect(await outbox.count()).toBe(queued);

    const verified = await t.gql(`mutation($code: String!) { verifyTwoFactor(input: { method: BACKUP_CODE, code: $code }) { stage } }`, { code: backupCodes[0] }, { token });
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    expect(smtp.messages.length).toBe(messages);
  });
});
