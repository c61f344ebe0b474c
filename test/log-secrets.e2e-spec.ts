import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { MailOutboxEntity, MailOutboxStatus } from '../src/modules/mail/entities/mail-outbox.entity';
import { FIRST_RETRY_SECONDS } from '../src/modules/mail/mail.worker';
import { ADMIN_PASSWORD, adminToken, errorCode, startTestApp, TEST_APP_SECRET, TestApp } from './support/app';
import { ReceivedMail, sixDigitCode, TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';
import { waitUntil } from './support/wait';

const PASSWORD = 'log-secrets-password-1';
const NEW_PASSWORD = 'log-secrets-password-2';
const WRONG_PASSWORD = 'log-secrets-wrong-password';
const ENV_SMTP_PASSWORD = 'env-smtp-secret-pass';
const CUSTOM_SMTP_PASSWORD = 'custom-smtp-secret-pass';
const WRONG_SMTP_PASSWORD = 'wrong-smtp-secret-pass';

const SIGN_IN = `mutation SignIn($input: SignInInput!) { signIn(input: $input) { stage sessionToken trustedDeviceToken user { id } } }`;
const VERIFY = `mutation Verify($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage sessionToken trustedDeviceToken } }`;
const RESULT = `twoFactor { enabled methods } backupCodes session { sessionToken }`;
const hasCode = (m: ReceivedMail) => /\b\d{6}\b/.test(m.text);

/**
 * A full sign-in with every method there is (email code, authenticator
 * app, own backup code, admin-issued code, trusted device), enrollment,
 * password change, SMTP settings with a password, and failures of each;
 * then the whole captured log (LOG_LEVEL=debug) is searched for every
 * password, code, token and secret: none may appear.
 */
describe('the log holds no secret', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let custom: TestSmtpServer;
  const lines: string[] = [];
  const secrets = new Set<string>();
  const secret = <T extends string | null | undefined>(value: T): T => {
    if (value) secrets.add(value);
    return value;
  };

  beforeAll(async () => {
    smtp = new TestSmtpServer({ username: 'env-mailer', password: ENV_SMTP_PASSWORD });
    custom = new TestSmtpServer({ username: 'custom-mailer', password: CUSTOM_SMTP_PASSWORD });
    await smtp.start();
    await custom.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, LOG_LEVEL: 'debug' }, logStream: { write: (line) => lines.push(line) } });
    [ADMIN_PASSWORD, TEST_APP_SECRET, ENV_SMTP_PASSWORD, CUSTOM_SMTP_PASSWORD, WRONG_SMTP_PASSWORD, PASSWORD, NEW_PASSWORD, WRONG_PASSWORD].forEach(secret);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await custom?.stop();
  });

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string, headers?: Record<string, string>) => {
    const response = await t.gql(query, variables, { token, headers });
    return response;
  };
  const ok = async (query: string, variables: Record<string, unknown> = {}, token?: string, headers?: Record<string, string>) => {
    const response = await gql(query, variables, token, headers);
    if (response.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(response.errors)}`);
    return response.data;
  };
  const codeFor = async (email: string, since: number) => secret(sixDigitCode(await smtp.waitFor(email, { since, match: hasCode })));
  const totp = (key: string) => secret(oathtoolCode(key, t.clock.now()));
  const wrongCode = () => secret(String(randomInt(100_000, 1_000_000)));

  it('signs in with every method, enrolls, changes settings and fails on the way', async () => {
    const admin = secret(await adminToken(t));
    await ok(`mutation { updateTwoFactorPolicy(input: { frequency: TRUSTED_DEVICE }) { frequency } }`, {}, admin);
    const email = 'log-secrets@example.com';
    const user = (await ok(`mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`, { input: { email, password: PASSWORD } }, admin))
      .createUser as { id: string };
    expect(errorCode(await gql(SIGN_IN, { input: { email, password: WRONG_PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    let token = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);

    // Email enrollment: a wrong code, then the right one.
    let since = smtp.messages.length;
    await ok(`mutation { startEmailEnrollment { sentTo } }`, {}, token);
    const enrollCode = await codeFor(email, since);
    expect(errorCode(await gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { ${RESULT} } }`, { code: wrongCode() }, token))).toBe('INVALID_CODE');
    const enrolled = (await ok(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { ${RESULT} } }`, { code: enrollCode }, token))
      .confirmEmailEnrollment;
    const backupCodes = enrolled.backupCodes as string[];
    expect(backupCodes).toHaveLength(10);
    backupCodes.forEach((code) => {
      secret(code);
      secret(code.replace('-', ''));
      secret(code.toUpperCase());
    });
    secret(enrolled.session?.sessionToken);

    // Sign-in with the emailed code (one wrong first), remembering the device.
    since = smtp.messages.length;
    let pending = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);
    const signInCode = await codeFor(email, since);
    expect(errorCode(await gql(VERIFY, { input: { method: 'EMAIL', code: wrongCode() } }, pending))).toBe('INVALID_CODE');
    const remembered = (await ok(VERIFY, { input: { method: 'EMAIL', code: signInCode, rememberDevice: true } }, pending)).verifyTwoFactor;
    token = secret(remembered.sessionToken as string);
    const deviceToken = secret(remembered.trustedDeviceToken as string);
    expect(deviceToken).toBeTruthy();

    // Authenticator app enrollment.
    const app = (await ok(`mutation { startAuthenticatorEnrollment { secret otpauthUri qrCodeDataUrl } }`, {}, token)).startAuthenticatorEnrollment;
    secret(app.secret);
    secret(app.otpauthUri);
    secret(encodeURIComponent(app.otpauthUri));
    expect(errorCode(await gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { ${RESULT} } }`, { code: wrongCode() }, token))).toBe(
      'INVALID_CODE',
    );
    await ok(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { ${RESULT} } }`, { code: totp(app.secret) }, token);
    t.clock.advanceSeconds(31);

    // Sign-in with the app, with an own backup code, with an admin-issued code; and through the trusted device.
    pending = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);
    secret((await ok(VERIFY, { input: { method: 'AUTHENTICATOR_APP', code: totp(app.secret) } }, pending)).verifyTwoFactor.sessionToken);
    pending = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);
    secret((await ok(VERIFY, { input: { method: 'BACKUP_CODE', code: backupCodes[0] } }, pending)).verifyTwoFactor.sessionToken);
    const issued = (await ok(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: user.id }, admin)).issueBackupCode.code as string;
    [issued, issued.replace('-', ''), issued.toUpperCase()].forEach(secret);
    pending = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);
    expect(errorCode(await gql(VERIFY, { input: { method: 'BACKUP_CODE', code: 'zzzzz-zzzzz' } }, pending))).toBe('INVALID_CODE');
    token = secret((await ok(VERIFY, { input: { method: 'BACKUP_CODE', code: issued } }, pending)).verifyTwoFactor.sessionToken as string);
    const trusted = (await ok(SIGN_IN, { input: { email, password: PASSWORD, trustedDeviceToken: deviceToken } })).signIn;
    expect(trusted.stage).toBe('AUTHENTICATED');
    secret(trusted.sessionToken);
    secret(trusted.trustedDeviceToken);
    // The trusted-device cookie travels as a header.
    const viaCookie = await gql(SIGN_IN, { input: { email, password: PASSWORD } }, undefined, { cookie: `twofold_td=${trusted.trustedDeviceToken}` });
    secret(viaCookie.data?.signIn?.sessionToken);
    secret(viaCookie.data?.signIn?.trustedDeviceToken);

    // Resend, cancel, malformed input echoing a value back.
    since = smtp.messages.length;
    pending = secret((await ok(SIGN_IN, { input: { email, password: PASSWORD } })).signIn.sessionToken as string);
    await codeFor(email, since);
    expect(errorCode(await gql(VERIFY, { input: { method: 'EMAIL', code: 123456 } }, pending))).toBe('BAD_USER_INPUT');
    await gql(`mutation { cancelSignIn }`, {}, pending);

    // Password change and new backup codes.
    await ok(`mutation($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }`, { current: PASSWORD, next: NEW_PASSWORD }, token);
    const regenerated = (await ok(`mutation($password: String!) { regenerateBackupCodes(password: $password) }`, { password: NEW_PASSWORD }, token))
      .regenerateBackupCodes as string[];
    regenerated.forEach((code) => [code, code.replace('-', ''), code.toUpperCase()].forEach(secret));

    // SMTP settings with a wrong password (the send fails and is logged), then the right one.
    const smtpInput = (password: string) => ({ host: '127.0.0.1', port: custom.port, secure: false, username: 'custom-mailer', password, fromAddress: 'twofold@example.com' });
    const UPDATE = `mutation($input: SmtpSettingsInput!) { updateSmtpSettings(input: $input) { configured passwordSet } }`;
    const SEND_TEST = `mutation { sendTestEmail(to: "someone@example.com") }`;
    await ok(UPDATE, { input: smtpInput(WRONG_SMTP_PASSWORD) }, admin);
    const refused = await gql(SEND_TEST, {}, admin);
    expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/authentication failed/), extensions: { code: 'BAD_USER_INPUT' } });
    await ok(UPDATE, { input: smtpInput(CUSTOM_SMTP_PASSWORD) }, admin);
    expect(await ok(SEND_TEST, {}, admin)).toEqual({ sendTestEmail: true });
    await custom.waitFor('someone@example.com');

    // What the worker tried through the wrong password is retried (past its backoff) and sent: every send and failure is logged by now.
    t.clock.advanceSeconds(FIRST_RETRY_SECONDS * 2);
    const outbox = t.app.get(DataSource).getRepository(MailOutboxEntity);
    await waitUntil('the mail queue to empty', async () => (await outbox.countBy({ status: MailOutboxStatus.PENDING })) === 0);
    expect(await outbox.countBy({ status: MailOutboxStatus.SENT })).toBe(await outbox.count());
    expect(lines.some((line) => /Delivery of message .* failed .*Invalid login/.test(line))).toBe(true);
  });

  it('logged one JSON line per request with the operation, outcome and duration', () => {
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => e.context === 'HTTP' && e.path === '/graphql');
    expect(requests.length).toBeGreaterThan(30);
    expect(requests.find((e) => e.operation === 'Verify' && e.outcome === 'ok')).toMatchObject({ type: 'mutation', fields: ['verifyTwoFactor'], status: 200 });
    expect(requests.find((e) => e.operation === 'Verify' && e.outcome === 'INVALID_CODE')).toBeTruthy();
    expect(requests.find((e) => e.operation === 'SignIn' && e.outcome === 'INVALID_CREDENTIALS')).toBeTruthy();
    for (const e of requests) expect(typeof e.ms).toBe('number');
    // Nothing of the request but its shape: no variables, no headers.
    expect(lines.join('\n')).not.toMatch(/"variables"|"authorization"|"cookie"|"headers"/i);
    // At debug level every SQL statement is logged, without its parameters (searched below with the rest).
    expect(entries.filter((e) => e.context === 'SQL').length).toBeGreaterThan(100);
  });

  it('holds none of the passwords, codes, tokens and secrets', () => {
    const log = lines.join('\n');
    expect(secrets.size).toBeGreaterThan(40);
    const found = [...secrets].filter((value) => {
      if (/^\d{6}$/.test(value)) return new RegExp(`(?<![0-9])${value}(?![0-9])`).test(log);
      return log.includes(value) || log.toLowerCase().includes(value.toLowerCase());
    });
    expect(found).toEqual([]);
  });
});
