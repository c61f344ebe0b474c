import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { adminToken, createUser, errorCode, SIGN_IN, startTestApp, TEST_APP_SECRET, TestApp } from './support/app';
import { runCommand } from './support/command-line';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

/** The operator commands of the contract README ("Command line"), against the real database. */
describe('operator command line', () => {
  let t: TestApp;
  let admin: string;
  let n = 0;
  const smtp = new TestSmtpServer();
  const PASSWORD = 'operator-password';
  const VERIFY = `mutation($code: String!) { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code }) { stage } }`;
  const CHALLENGE = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken challenge { attemptsRemaining } } }`;

  const command = (...args: string[]) => runCommand(t.database, args, { SMTP_URL: smtp.url }, t.clock);
  const signInAs = (email: string) => t.gql(CHALLENGE, { input: { email, password: PASSWORD } });

  /** A user with the authenticator app on. */
  async function enrolledUser() {
    const email = `operator-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD });
    const session = (await t.gql(SIGN_IN, { input: { email, password: PASSWORD } })).data.signIn.sessionToken;
    const secret: string = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    const confirmed = await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, {
      code: oathtoolCode(secret, t.clock.now()),
    }, { token: session });
    expect(confirmed.errors).toBeUndefined();
    t.clock.advanceSeconds(30);
    return { id, email, secret, session };
  }

  const eventsOf = async (userId: string, type: string) =>
    (await t.app.get(SecurityEventsService).list(userId, 50, null)).items.filter((e) => e.type === type);

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('an unknown email, a missing argument and an unknown command exit non-zero with a one-line reason', async () => {
    for (const args of [['--unlock', 'nobody@example.com'], ['--reset-2fa', 'nobody@example.com']]) {
      const result = await command(...args);
      expect(result.status).not.toBe(0);
      expect(result.err).toEqual([`${args[0]}: no user has the email nobody@example.com`]);
    }
    const missing = await command('--unlock');
    expect(missing.status).not.toBe(0);
    expect(missing.err).toHaveLength(1);
    expect(missing.err[0]).toMatch(/^Usage: .*--unlock EMAIL/);
    const unknown = await command('--unlok', 'x@example.com');
    expect(unknown.status).not.toBe(0);
    expect(unknown.err).toEqual([expect.stringMatching(/^Unknown command --unlok; the commands are --migrate, --reseal, --unlock, --reset-2fa/)]);
    const enable = await command('--enable', 'nobody@example.com');
    expect(enable.status).not.toBe(0);
    expect(enable.err).toEqual(['--enable: no user has the email nobody@example.com']);
  });

  it('the built entry point (main.ts) runs a command and exits with its status and one line on stderr', async () => {
    const child = spawn(process.execPath, ['-r', join(__dirname, 'support/register-ts.cjs'), join(__dirname, '../src/main.ts'), '--unlock', 'nobody@example.com'], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: t.database.url, APP_SECRET: TEST_APP_SECRET, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual(['--unlock: no user has the email nobody@example.com']);
  });

  it('--unlock ends a lockout made by five wrong codes and clears the failures; the event has no actor', async () => {
    const user = await enrolledUser();
    let last;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const pending = await signInAs(user.email);
      expect(pending.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
      last = await t.gql(VERIFY, { code: '000000' }, { token: pending.data.signIn.sessionToken });
      // From the third failure on, each one starts a five-minute cooldown.
      t.clock.advanceMinutes(5);
    }
    expect(errorCode(last!)).toBe('ACCOUNT_LOCKED');
    expect(errorCode(await signInAs(user.email))).toBe('ACCOUNT_LOCKED');

    const result = await command('--unlock', user.email.toUpperCase());
    expect(result).toMatchObject({ status: 0, err: [] });
    expect(result.out).toEqual([expect.stringMatching(new RegExp(`^${user.email}: lockout \\(until .*\\) ended, failed attempts cleared$`))]);

    const pending = await signInAs(user.email);
    expect(pending.data.signIn).toMatchObject({ stage: 'PENDING_TWO_FACTOR', challenge: { attemptsRemaining: 5 } });
    const verified = await t.gql(VERIFY, { code: oathtoolCode(user.secret, t.clock.now()) }, { token: pending.data.signIn.sessionToken });
    expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');

    const [event] = await eventsOf(user.id, 'USER_UNLOCKED');
    expect(event).toMatchObject({ userId: user.id, actorId: null, ip: null, userAgent: null });
    expect(JSON.parse(event.details!)).toMatchObject({ by: 'operator', wasLocked: true });
  });

  it('--enable lets a disabled user sign in again; the event has no actor; a second run says there was nothing to do', async () => {
    const email = `operator-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD });
    const disabled = await t.gql(`mutation($id: ID!) { disableUser(id: $id) { disabled } }`, { id }, { token: admin });
    expect(disabled.data.disableUser.disabled).toBe(true);
    expect(errorCode(await signInAs(email))).toBe('ACCOUNT_DISABLED');

    const result = await command('--enable', email);
    expect(result).toMatchObject({ status: 0, err: [], out: [`${email}: enabled: they can sign in again`] });
    expect((await signInAs(email)).data.signIn.stage).toBe('AUTHENTICATED');
    const [event] = await eventsOf(id, 'USER_ENABLED');
    expect(event).toMatchObject({ userId: id, actorId: null, ip: null });
    expect(JSON.parse(event.details!)).toMatchObject({ by: 'operator' });

    expect(await command('--enable', email)).toMatchObject({ status: 0, out: [`${email}: was not disabled`] });
    expect(await eventsOf(id, 'USER_ENABLED')).toHaveLength(1);
  });

  it('--reset-2fa lets a user who lost their factor sign in without 2FA; their sessions end; the event has no actor and the user is told', async () => {
    const user = await enrolledUser();
    const since = smtp.messages.length;
    const result = await command('--reset-2fa', user.email);
    expect(result).toMatchObject({ status: 0, err: [] });
    expect(result.out).toEqual([`${user.email}: two-factor authentication reset (methods, backup codes and trusted devices gone, sessions ended)`]);

    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token: user.session }))).toBe('UNAUTHENTICATED');
    const next = await signInAs(user.email);
    expect(next.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', challenge: null });

    const [event] = await eventsOf(user.id, 'TWO_FACTOR_RESET');
    expect(event).toMatchObject({ userId: user.id, actorId: null, ip: null });
    expect(JSON.parse(event.details!).methods).toContain('AUTHENTICATOR_APP');
    // The command queued the notice; the server's mail worker sends it.
    const notice = await smtp.waitFor(user.email, { since, match: (m) => /two-factor authentication reset/.test(m.subject) });
    expect(notice.text).toMatch(/turned off two-factor authentication/);
  });
});
