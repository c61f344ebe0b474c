import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { TwoFactorAttemptsEntity } from '../src/modules/attempts/entities/two-factor-attempts.entity';
import { TwoFactorChallengeEntity } from '../src/modules/challenge/entities/two-factor-challenge.entity';
import { ChallengeStore } from '../src/modules/challenge/challenge-store.service';
import { CODE_SENDS_PER_HOUR } from '../src/modules/attempts/send-budget.service';
import { MailOutboxEntity, MailOutboxStatus } from '../src/modules/mail/entities/mail-outbox.entity';
import { BackupCodeEntity } from '../src/modules/backup-codes/entities/backup-code.entity';
import { AuthenticatorSecretsService } from '../src/modules/methods/authenticator/authenticator-secrets.service';
import { EmailCodeEntity } from '../src/modules/methods/email/email-code.entity';
import { TwoFactorMethodHandler } from '../src/modules/methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../src/modules/methods/two-factor-methods.registry';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorFrequency, TwoFactorPolicy, TwoFactorRequirement } from '../src/modules/policy/policy.types';
import { SecurityEventEntity } from '../src/modules/security-events/entities/security-event.entity';
import { UsersService } from '../src/modules/users/users.service';
import { adminToken, errorCode, GraphQLResponse, signIn, startTestApp, TestApp } from './support/app';
import { holdAfter } from './support/barrier';
import { enableSms, lastSmsCode, SMS, SmsTestModule } from './support/sms-method';
import { ReceivedMail, sixDigitCode, TestSmtpServer } from './support/smtp';
import { waitUntil } from './support/wait';

const PASSWORD = 'challenge-password-1';
const CHALLENGE = 'methods emailSentTo resendAvailableAt attemptsRemaining retryAvailableAt rememberDeviceDays expiresAt';
const SIGN_IN = `mutation($input: SignInInput!) {
  signIn(input: $input) { stage sessionToken expiresAt trustedDeviceToken trustedDeviceExpiresAt user { id email } challenge { ${CHALLENGE} } }
}`;
const VERIFY = `mutation($input: VerifyTwoFactorInput!) {
  verifyTwoFactor(input: $input) { stage sessionToken expiresAt trustedDeviceToken trustedDeviceExpiresAt user { id email } challenge { methods } }
}`;
const RESEND = `mutation { resendTwoFactorCode { ${CHALLENGE} } }`;
const CURRENT = `{ currentSession { stage expiresAt challenge { ${CHALLENGE} } } }`;

/** Code messages only (notices about enabled methods and lockouts land in the same mailbox). */
const hasCode = (m: ReceivedMail) => /\b\d{6}\b/.test(m.text);

interface TestUser {
  id: string;
  email: string;
  /** The authenticator-app secret, once enabled. */
  secret?: string;
  backupCodes?: string[];
}

describe('challenge: the pending-2FA sign-in', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let n = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    // Per-client rate limits off: the per-account attempt limits must hold on their own.
    t = await startTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMITS: 'off' }, imports: [SmsTestModule] });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  // ---- helpers ---------------------------------------------------------------

  const newUser = async (role = Role.AGENT): Promise<TestUser> => {
    const email = `challenge${n++}@example.com`;
    const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role });
    return { id: user.id, email };
  };

  /** The TOTP code at the app's (manual) clock, `steps` time steps away, by an independent implementation. */
  const totp = (secret: string, steps = 0): string => {
    const at = Math.floor(t.clock.now().getTime() / 1000) + steps * 30;
    return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${at}`], { encoding: 'utf8' }).trim();
  };

  /** Six digits that are none of the codes the app would accept now. */
  const wrongTotp = (secret: string): string => {
    const valid = new Set([totp(secret, -1), totp(secret), totp(secret, 1)]);
    for (;;) {
      const code = String(randomInt(1_000_000)).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  };

  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string, headers?: Record<string, string>) =>
    t.gql(query, variables, { token, headers });

  const signInRaw = (user: TestUser, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    gql(SIGN_IN, { input: { email: user.email, password: PASSWORD, ...extra } }, undefined, headers);

  /** Signs in and expects a second factor to be owed. */
  const pending = async (user: TestUser, headers?: Record<string, string>) => {
    const response = await signInRaw(user, {}, headers);
    expect(response.errors).toBeUndefined();
    expect(response.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    return response.data.signIn as { sessionToken: string; expiresAt: string; challenge: Record<string, any>; user: null };
  };
  /** Several pending sign-ins of one user, one after another (parallel password checks of one account are throttled). */
  const pendingMany = async (user: TestUser, count: number) => {
    const sessions: Awaited<ReturnType<typeof pending>>[] = [];
    for (let i = 0; i < count; i++) sessions.push(await pending(user));
    return sessions;
  };

  const verify = (token: string, method: string, code: string, rememberDevice?: boolean, headers?: Record<string, string>) =>
    gql(VERIFY, { input: { method, code, ...(rememberDevice !== undefined && { rememberDevice }) } }, token, headers);

  const expectSignedIn = (response: GraphQLResponse, user: TestUser) => {
    expect(response.errors).toBeUndefined();
    expect(response.data.verifyTwoFactor).toMatchObject({ stage: 'AUTHENTICATED', user: { id: user.id }, challenge: null });
    return response.data.verifyTwoFactor.sessionToken as string;
  };

  /** A full session for a user without 2FA yet. */
  const plainSession = async (user: TestUser) => {
    const session = await signIn(t, user.email, PASSWORD);
    expect(session.stage).toBe('AUTHENTICATED');
    return session.sessionToken;
  };

  /** Turns the authenticator app on through the API; the clock then moves one step on (the enrollment's step counts as used). */
  const enableApp = async (user: TestUser, token?: string): Promise<TestUser> => {
    const session = token ?? (await plainSession(user));
    const started = await gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, session);
    expect(started.errors).toBeUndefined();
    const secret = started.data.startAuthenticatorEnrollment.secret as string;
    const confirmed = await gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: totp(secret) }, session);
    expect(confirmed.errors).toBeUndefined();
    t.clock.advanceSeconds(30);
    return Object.assign(user, { secret, backupCodes: confirmed.data.confirmAuthenticatorEnrollment.backupCodes ?? user.backupCodes });
  };

  /** Turns email 2FA on through the API with a code from the real mailbox. */
  const enableEmail = async (user: TestUser, token?: string): Promise<TestUser> => {
    const session = token ?? (await plainSession(user));
    const since = smtp.messages.length;
    const started = await gql(`mutation { startEmailEnrollment { sentTo } }`, {}, session);
    expect(started.errors).toBeUndefined();
    const code = sixDigitCode(await smtp.waitFor(user.email, { since, match: hasCode }));
    const confirmed = await gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { backupCodes } }`, { code }, session);
    expect(confirmed.errors).toBeUndefined();
    return Object.assign(user, { backupCodes: confirmed.data.confirmEmailEnrollment.backupCodes ?? user.backupCodes });
  };

  /** Signs in an EMAIL user and reads the code the sign-in sent. */
  const pendingWithMail = async (user: TestUser) => {
    const since = smtp.messages.length;
    const session = await pending(user);
    const code = sixDigitCode(await smtp.waitFor(user.email, { since, match: hasCode }));
    return { ...session, code };
  };

  const events = async (userId: string, type: string) => {
    const rows = await t.app.get(DataSource).getRepository(SecurityEventEntity).find({ where: { userId, type }, order: { id: 'ASC' } });
    return rows.map((row) => ({ ...row, details: row.details ? JSON.parse(row.details) : null }));
  };

  const withPolicy = async (change: Partial<TwoFactorPolicy>, run: () => Promise<void>) => {
    const policies = t.app.get(PolicyService);
    const { updatedAt: _at, ...before } = await policies.get();
    await policies.save({ ...before, ...change }, t.clock.now());
    try {
      await run();
    } finally {
      await policies.save(before, t.clock.now());
    }
  };

  /** Counts how often the handler of `method` looks at a code, for the duration of `run`. */
  const countEvaluations = async (method: string, run: () => Promise<void>): Promise<number> => {
    const handler = t.app.get(TwoFactorMethodsRegistry).get(method) as TwoFactorMethodHandler;
    const original = handler.verify;
    let count = 0;
    handler.verify = async (request) => {
      count++;
      return original.call(handler, request);
    };
    try {
      await run();
    } finally {
      handler.verify = original;
    }
    return count;
  };

  // ---- stages ----------------------------------------------------------------

  it('a user without 2FA is AUTHENTICATED at once; with the app, PENDING_TWO_FACTOR with a challenge', async () => {
    const user = await newUser();
    const plain = await signInRaw(user);
    expect(plain.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', challenge: null, user: { id: user.id } });

    await enableApp(user);
    const session = await pending(user);
    expect(session.user).toBeNull();
    expect(session.challenge).toEqual({
      methods: ['AUTHENTICATOR_APP', 'BACKUP_CODE'],
      emailSentTo: null,
      resendAvailableAt: null,
      attemptsRemaining: 5,
      retryAvailableAt: null,
      rememberDeviceDays: 90,
      expiresAt: session.expiresAt,
    });

    // The pending token opens only the challenge.
    expect(errorCode(await gql(`{ me { id } }`, {}, session.sessionToken))).toBe('TWO_FACTOR_REQUIRED');
    const current = await gql(CURRENT, {}, session.sessionToken);
    expect(current.data.currentSession).toMatchObject({ stage: 'PENDING_TWO_FACTOR', challenge: { attemptsRemaining: 5, methods: ['AUTHENTICATOR_APP', 'BACKUP_CODE'] } });

    const full = expectSignedIn(await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)), user);
    expect(full).not.toBe(session.sessionToken);
    expect(errorCode(await gql(CURRENT, {}, session.sessionToken))).toBe('UNAUTHENTICATED');
    const after = await gql(`{ me { id } currentSession { stage challenge { methods } } }`, {}, full);
    expect(after.data).toEqual({ me: { id: user.id }, currentSession: { stage: 'AUTHENTICATED', challenge: null } });

    const succeeded = await events(user.id, 'SIGN_IN_SUCCEEDED');
    expect(succeeded.at(-1)).toMatchObject({ details: { method: 'AUTHENTICATOR_APP' }, userAgent: expect.anything() });
  });

  it('PENDING_ENROLLMENT when the policy requires 2FA and the user has none; cancel ends it', async () => {
    const user = await newUser();
    await withPolicy({ requirement: TwoFactorRequirement.REQUIRED_FOR_ALL }, async () => {
      const response = await signInRaw(user);
      expect(response.data.signIn).toMatchObject({ stage: 'PENDING_ENROLLMENT', challenge: null, user: { id: user.id, email: user.email } });
      const token = response.data.signIn.sessionToken;
      expect((await gql(`{ me { id } }`, {}, token)).data.me.id).toBe(user.id);
      expect(errorCode(await gql(RESEND, {}, token))).toBe('ENROLLMENT_REQUIRED');
      expect((await gql(`mutation { cancelSignIn }`, {}, token)).data.cancelSignIn).toBe(true);
      expect(errorCode(await gql(`{ me { id } }`, {}, token))).toBe('UNAUTHENTICATED');
    });
  });

  it('a full session has no pending sign-in to verify, resend or cancel', async () => {
    const token = await plainSession(await newUser());
    expect(errorCode(await verify(token, 'AUTHENTICATOR_APP', '123456'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(`mutation { cancelSignIn }`, {}, token))).toBe('BAD_USER_INPUT');
  });

  // ---- email -----------------------------------------------------------------

  it('email: the code is sent at sign-in, a wrong one costs an attempt, the right one signs in once', async () => {
    const user = await enableEmail(await newUser());
    const session = await pendingWithMail(user);
    expect(session.challenge).toMatchObject({
      methods: ['EMAIL', 'BACKUP_CODE'],
      emailSentTo: `c***@example.com`,
      resendAvailableAt: new Date(t.clock.now().getTime() + 60_000).toISOString(),
      attemptsRemaining: 5,
    });
    const wrong = session.code === '000000' ? '111111' : '000000';
    const refused = await verify(session.sessionToken, 'EMAIL', wrong);
    expect(refused.errors![0].extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    expect(refused.errors![0].message).toBe('The code is incorrect.');
    expectSignedIn(await verify(session.sessionToken, 'EMAIL', ` ${session.code.slice(0, 3)} ${session.code.slice(3)} `), user);

    // Used once, and bound to its own challenge: a new sign-in cannot reuse it.
    const next = await pendingWithMail(user);
    expect(next.challenge.attemptsRemaining).toBe(5); // the success cleared the count
    expect(errorCode(await verify(next.sessionToken, 'EMAIL', session.code === next.code ? wrong : session.code))).toBe('INVALID_CODE');
    expectSignedIn(await verify(next.sessionToken, 'EMAIL', next.code), user);
  });

  it('email: a code past emailCodeTtlMinutes is CODE_EXPIRED', async () => {
    const user = await enableEmail(await newUser());
    await withPolicy({ emailCodeTtlMinutes: 2 }, async () => {
      const session = await pendingWithMail(user);
      t.clock.advanceSeconds(121);
      const expired = await verify(session.sessionToken, 'EMAIL', session.code);
      expect(expired.errors![0].extensions).toMatchObject({ code: 'CODE_EXPIRED', attemptsRemaining: 4 });
    });
  });

  it('resend: RESEND_TOO_SOON for 60 s, then a new code replaces the old; capped per sign-in; attempts kept', async () => {
    const user = await enableEmail(await newUser());
    const session = await pendingWithMail(user);
    const token = session.sessionToken;
    const wrong = session.code === '000000' ? '111111' : '000000';
    expect(errorCode(await verify(token, 'EMAIL', wrong))).toBe('INVALID_CODE');

    t.clock.advanceSeconds(59);
    const early = await gql(RESEND, {}, token);
    expect(early.errors![0].extensions).toEqual({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 1 });

    t.clock.advanceSeconds(1);
    const since = smtp.messages.length;
    const resent = await gql(RESEND, {}, token);
    expect(resent.errors).toBeUndefined();
    expect(resent.data.resendTwoFactorCode).toMatchObject({
      emailSentTo: 'c***@example.com',
      attemptsRemaining: 4, // a resend never resets the count
      resendAvailableAt: new Date(t.clock.now().getTime() + 60_000).toISOString(),
    });
    const newCode = sixDigitCode(await smtp.waitFor(user.email, { since, match: hasCode }));
    if (newCode !== session.code) expect(errorCode(await verify(token, 'EMAIL', session.code))).toBe('INVALID_CODE');

    // At most five codes per sign-in.
    for (let i = 0; i < 3; i++) {
      t.clock.advanceSeconds(60);
      expect((await gql(RESEND, {}, token)).errors).toBeUndefined();
    }
    t.clock.advanceSeconds(60);
    const capped = await gql(RESEND, {}, token);
    expect(errorCode(capped)).toBe('RATE_LIMITED');
    expect(capped.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect((await gql(CURRENT, {}, token)).data.currentSession.challenge.resendAvailableAt).toBeNull();
    // Resends in quick succession replace codes still waiting to be sent: the last one arrives, and it is the one that works.
    await outboxSettled(user.id);
    const codesSince = smtp.messages.slice(since).filter((m) => m.to.includes(user.email) && hasCode(m));
    expectSignedIn(await verify(token, 'EMAIL', sixDigitCode(codesSince.at(-1)!)), user);
  });

  it('resend sends the first code when EMAIL is enabled but not preferred; METHOD_NOT_AVAILABLE without a delivering method', async () => {
    const appOnly = await enableApp(await newUser());
    const appSession = await pending(appOnly);
    expect(errorCode(await gql(RESEND, {}, appSession.sessionToken))).toBe('METHOD_NOT_AVAILABLE');
    expect(errorCode(await verify(appSession.sessionToken, 'EMAIL', '123456'))).toBe('METHOD_NOT_AVAILABLE');
    expect((await gql(CURRENT, {}, appSession.sessionToken)).data.currentSession.challenge.attemptsRemaining).toBe(5);

    const user = await newUser();
    const token = await plainSession(user);
    await enableEmail(user, token);
    await enableApp(user, token);
    const preferred = await gql(`mutation { setPreferredTwoFactorMethod(method: AUTHENTICATOR_APP) { preferredMethod } }`, {}, token);
    expect(preferred.errors).toBeUndefined();

    const since = smtp.messages.length;
    const session = await pending(user);
    expect(session.challenge).toMatchObject({ methods: ['AUTHENTICATOR_APP', 'EMAIL', 'BACKUP_CODE'], emailSentTo: null });
    expect(session.challenge.resendAvailableAt).not.toBeNull();
    const resent = await gql(RESEND, {}, session.sessionToken);
    expect(resent.data.resendTwoFactorCode.emailSentTo).toBe('c***@example.com');
    const code = sixDigitCode(await smtp.waitFor(user.email, { since, match: hasCode }));
    expectSignedIn(await verify(session.sessionToken, 'EMAIL', code), user);
  });

  it('a malformed code is BAD_USER_INPUT on code and costs no attempt', async () => {
    const user = await enableApp(await newUser());
    const session = await pending(user);
    for (const code of ['12345', '1234567', '12a456', '', 'x'.repeat(65)]) {
      const response = await verify(session.sessionToken, 'AUTHENTICATOR_APP', code);
      expect(response.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    }
    expect(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', 'not-a-code!'))).toBe('BAD_USER_INPUT');
    expect((await gql(CURRENT, {}, session.sessionToken)).data.currentSession.challenge.attemptsRemaining).toBe(5);
  });

  it('cancel ends the pending session; its email code dies with it', async () => {
    const user = await enableEmail(await newUser());
    const session = await pendingWithMail(user);
    expect((await gql(`mutation { cancelSignIn }`, {}, session.sessionToken)).data.cancelSignIn).toBe(true);
    expect(errorCode(await verify(session.sessionToken, 'EMAIL', session.code))).toBe('UNAUTHENTICATED');
    expect(await t.app.get(DataSource).getRepository(EmailCodeEntity).countBy({ userId: user.id, purpose: 'sign-in' })).toBe(0);
    // Signing in again at once mails a new code (CloudCX's Cancel leads back to the login page).
    const next = await pendingWithMail(user);
    if (next.code !== session.code) expect(errorCode(await verify(next.sessionToken, 'EMAIL', session.code))).toBe('INVALID_CODE');
    expectSignedIn(await verify(next.sessionToken, 'EMAIL', next.code), user);
  });

  // ---- attempts --------------------------------------------------------------

  it('cooldown after the 3rd and 4th failures, TOO_MANY_ATTEMPTS even for the right code, lockout at the 5th', async () => {
    const user = await enableApp(await newUser());
    let session = await pending(user);
    const wrongOnce = async (token: string) => (await verify(token, 'AUTHENTICATOR_APP', wrongTotp(user.secret!))).errors![0];

    expect((await wrongOnce(session.sessionToken)).extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    expect((await wrongOnce(session.sessionToken)).extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 3 });
    const third = await wrongOnce(session.sessionToken);
    expect(third.extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 2, retryAfterSeconds: 300 });
    expect(third.message).toBe('The code is incorrect. Please try again in five minutes.');

    const right = await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!));
    expect(right.errors![0].extensions).toEqual({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 300 });
    expect(right.errors![0].message).toBe('Please try again in five minutes.');
    // Whatever is entered: a malformed code or another method gets the same answer during the cooldown.
    expect((await verify(session.sessionToken, 'AUTHENTICATOR_APP', '12 34')).errors![0].extensions).toEqual({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 300 });
    expect(errorCode(await verify(session.sessionToken, 'EMAIL', '123456'))).toBe('TOO_MANY_ATTEMPTS');
    const during = (await gql(CURRENT, {}, session.sessionToken)).data.currentSession.challenge;
    expect(during).toMatchObject({ attemptsRemaining: 2, retryAvailableAt: new Date(t.clock.now().getTime() + 300_000).toISOString() });

    t.clock.advanceSeconds(200);
    const later = await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!));
    expect(later.errors![0].extensions).toEqual({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 100 });
    t.clock.advanceSeconds(100);
    const fourth = await wrongOnce(session.sessionToken);
    expect(fourth.extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 1, retryAfterSeconds: 300 });

    // The pending session runs out; the count does not: a new sign-in starts where it was.
    t.clock.advanceMinutes(5);
    expect(errorCode(await gql(CURRENT, {}, session.sessionToken))).toBe('UNAUTHENTICATED');
    session = await pending(user);
    expect(session.challenge).toMatchObject({ attemptsRemaining: 1, retryAvailableAt: null });

    const since = smtp.messages.length;
    const fifth = await wrongOnce(session.sessionToken);
    expect(fifth.extensions).toEqual({ code: 'ACCOUNT_LOCKED', retryAfterSeconds: 1800 });
    expect(errorCode(await gql(CURRENT, {}, session.sessionToken))).toBe('UNAUTHENTICATED');

    // Sign-in is refused with the right password, not revealed with a wrong one.
    const locked = await signInRaw(user);
    expect(locked.errors![0].extensions).toEqual({ code: 'ACCOUNT_LOCKED', retryAfterSeconds: 1800 });
    const wrongPassword = await gql(SIGN_IN, { input: { email: user.email, password: 'not-the-password' } });
    expect(errorCode(wrongPassword)).toBe('INVALID_CREDENTIALS');

    expect(await events(user.id, 'TWO_FACTOR_FAILED')).toHaveLength(5);
    const [lockEvent] = await events(user.id, 'ACCOUNT_LOCKED');
    expect(lockEvent).toMatchObject({ details: { lockoutMinutes: 30 } });
    await smtp.waitFor(user.email, { since, match: (m) => /lock/i.test(m.subject + m.text) }); // the lockout notice

    t.clock.advanceMinutes(29);
    expect(errorCode(await signInRaw(user))).toBe('ACCOUNT_LOCKED');
    t.clock.advanceMinutes(1);
    const unlocked = await pending(user);
    expect(unlocked.challenge.attemptsRemaining).toBe(5);
    expectSignedIn(await verify(unlocked.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)), user);
  });

  it('the count survives a resend, a new sign-in and a restart; a success clears it', async () => {
    const user = await enableEmail(await newUser());
    const first = await pendingWithMail(user);
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
    expect(errorCode(await verify(first.sessionToken, 'EMAIL', wrong(first.code)))).toBe('INVALID_CODE');
    t.clock.advanceSeconds(60);
    const sinceResend = smtp.messages.length;
    expect((await gql(RESEND, {}, first.sessionToken)).data.resendTwoFactorCode.attemptsRemaining).toBe(4);
    await smtp.waitFor(user.email, { since: sinceResend, match: hasCode });

    await t.restart();
    const second = await pendingWithMail(user);
    expect(second.challenge.attemptsRemaining).toBe(4);
    expect((await verify(second.sessionToken, 'EMAIL', wrong(second.code))).errors![0].extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 3 });
    const third = await verify(second.sessionToken, 'EMAIL', wrong(second.code));
    expect(third.errors![0].extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 2, retryAfterSeconds: 300 });

    t.clock.advanceMinutes(5);
    expectSignedIn(await verify(second.sessionToken, 'EMAIL', second.code), user);
    expect((await pendingWithMail(user)).challenge.attemptsRemaining).toBe(5);
  });

  it('the alias attack: twenty verifyTwoFactor fields in one request get no more evaluations than the policy allows', async () => {
    const user = await enableApp(await newUser());
    const session = await pending(user);
    const fields = Array.from(
      { length: 20 },
      (_, i) => `a${i}: verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: "${i === 19 ? totp(user.secret!) : wrongTotp(user.secret!)}" }) { stage }`,
    );
    const evaluations = await countEvaluations('AUTHENTICATOR_APP', async () => {
      // Mutation fields run one after another; resend the rest until the document stops being answered.
      for (let round = 0; round < 5; round++) {
        const response = await gql(`mutation { ${fields.join('\n')} }`, {}, session.sessionToken);
        expect(response.data?.a19?.stage).not.toBe('AUTHENTICATED');
      }
    });
    // At least one field is checked (refusing them all would be no defence), and no more than the policy allows.
    expect(evaluations).toBeGreaterThanOrEqual(1);
    expect(evaluations).toBeLessThanOrEqual(3);
    expect((await gql(CURRENT, {}, session.sessionToken)).data.currentSession.challenge.attemptsRemaining).toBe(5 - evaluations);
  });

  it('a field after the one that finished the sign-in finds the pending session gone: nothing more is evaluated', async () => {
    const user = await enableApp(await newUser());
    const session = await pending(user);
    const signedInBefore = (await events(user.id, 'SIGN_IN_SUCCEEDED')).length;
    const response = await gql(
      `mutation {
        first: verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: "${totp(user.secret!)}" }) { stage }
        second: verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: "${wrongTotp(user.secret!)}" }) { stage }
      }`,
      {},
      session.sessionToken,
    );
    // The guard runs for each field: the second sees the pending session that the first ended.
    expect(response.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([['second', 'UNAUTHENTICATED']]);
    expect(await events(user.id, 'SIGN_IN_SUCCEEDED')).toHaveLength(signedInBefore + 1);
    expect(await events(user.id, 'TWO_FACTOR_FAILED')).toHaveLength(0);
  });

  it('people with email codes signing in at once each get a pending sign-in and their code', async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 12; i++) users.push(await enableEmail(await newUser()));
    const since = smtp.messages.length;
    const answers = await Promise.all(users.map((user) => signInRaw(user)));
    expect(answers.map((a) => a.errors?.[0]?.extensions?.code ?? a.data.signIn.stage)).toEqual(users.map(() => 'PENDING_TWO_FACTOR'));
    for (const user of users) expect(sixDigitCode(await smtp.waitFor(user.email, { since, match: hasCode }))).toMatch(/^\d{6}$/);
  });

  it('the parallel attack: fifty requests at once get no more evaluations than the policy allows', async () => {
    const user = await enableApp(await newUser());
    const sessions = await pendingMany(user, 5);
    const results: GraphQLResponse[] = [];
    const evaluations = await countEvaluations('AUTHENTICATOR_APP', async () => {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => verify(sessions[i % sessions.length].sessionToken, 'AUTHENTICATOR_APP', wrongTotp(user.secret!))),
        )),
      );
    });
    expect(evaluations).toBeGreaterThanOrEqual(1);
    expect(evaluations).toBeLessThanOrEqual(3);
    const codes = results.map(errorCode);
    expect(codes.filter((c) => c === 'INVALID_CODE')).toHaveLength(evaluations);
    expect(codes.every((c) => ['INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'RATE_LIMITED'].includes(c!))).toBe(true);
    expect(await events(user.id, 'TWO_FACTOR_FAILED')).toHaveLength(evaluations);
  });

  // ---- authenticator app -----------------------------------------------------

  it('TOTP: a code is used once, the previous step is accepted once, three steps back never', async () => {
    const user = await enableApp(await newUser());
    t.clock.advanceSeconds(300); // well past the enrollment's step

    let session = await pending(user);
    expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!, -3)))).toBe('INVALID_CODE');
    const previous = totp(user.secret!, -1);
    expectSignedIn(await verify(session.sessionToken, 'AUTHENTICATOR_APP', previous), user);

    session = await pending(user);
    expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', previous))).toBe('INVALID_CODE');
    const current = totp(user.secret!);
    expectSignedIn(await verify(session.sessionToken, 'AUTHENTICATOR_APP', current), user);
    session = await pending(user);
    expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', current))).toBe('INVALID_CODE');
  });

  it('TOTP: two sign-ins racing with the same code get one success', async () => {
    const user = await enableApp(await newUser());
    const [a, b] = await pendingMany(user, 2);
    const code = totp(user.secret!);
    // Both read the last used step before either records its own: only the UPDATE's step condition decides.
    const held = holdAfter(t.app.get(AuthenticatorSecretsService), 'find', 2);
    let results: GraphQLResponse[];
    try {
      results = await Promise.all([verify(a.sessionToken, 'AUTHENTICATOR_APP', code), verify(b.sessionToken, 'AUTHENTICATOR_APP', code)]);
    } finally {
      held.restore();
    }
    expect(held.arrived).toBe(2);
    expect(results.filter((r) => r.data?.verifyTwoFactor?.stage === 'AUTHENTICATED')).toHaveLength(1);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['INVALID_CODE']);
  });

  it('two right answers racing on one pending session mint one session', async () => {
    const user = await enableApp(await newUser());
    const session = await pending(user);
    const results = await Promise.all([
      verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)),
      verify(session.sessionToken, 'BACKUP_CODE', user.backupCodes![5]),
    ]);
    expect(results.filter((r) => r.data?.verifyTwoFactor?.stage === 'AUTHENTICATED')).toHaveLength(1);
    expect(results.map(errorCode).filter(Boolean).every((c) => ['UNAUTHENTICATED', 'RATE_LIMITED'].includes(c!))).toBe(true);
    expect(await events(user.id, 'SIGN_IN_SUCCEEDED')).toHaveLength(2); // the enrollment's plain sign-in, and this one
  });

  // ---- backup codes ----------------------------------------------------------

  it('backup codes: one of the ten signs in once (BACKUP_CODE_USED, never the code); twenty parallel uses give one success', async () => {
    const user = await enableApp(await newUser());
    const [code, raceCode] = user.backupCodes!;
    const session = await pending(user);
    expectSignedIn(await verify(session.sessionToken, 'BACKUP_CODE', code.toUpperCase().replace('-', ' ')), user);
    const [used] = await events(user.id, 'BACKUP_CODE_USED');
    expect(used.details).toEqual({ method: 'BACKUP_CODE', adminIssued: false });
    expect(used.actorId).toBeNull();
    expect(JSON.stringify(used)).not.toContain(code.replace('-', ''));

    const again = await pending(user);
    expect(errorCode(await verify(again.sessionToken, 'BACKUP_CODE', code))).toBe('INVALID_CODE');
    expectSignedIn(await verify(again.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)), user);

    // Twenty uses of one code, each past the attempt claim (a policy that lets twenty checks run side by side),
    // each reading the unused codes before any marks one used: only the UPDATE's "still unused" condition decides.
    const sessions = await pendingMany(user, 20);
    await withPolicy({ maxAttempts: 100, cooldownFromAttempt: 100 }, async () => {
      const held = holdAfter(t.app.get(DataSource).getRepository(BackupCodeEntity), 'find', 20);
      let results: GraphQLResponse[];
      try {
        results = await Promise.all(sessions.map((s) => verify(s.sessionToken, 'BACKUP_CODE', raceCode)));
      } finally {
        held.restore();
      }
      expect(held.arrived).toBe(20);
      expect(results.filter((r) => r.data?.verifyTwoFactor?.stage === 'AUTHENTICATED')).toHaveLength(1);
      expect(results.map(errorCode).filter(Boolean)).toEqual(Array(19).fill('INVALID_CODE'));
    });
  });

  it('a code of another user is never accepted', async () => {
    const alice = await enableApp(await newUser());
    const bob = await enableApp(await newUser());
    const session = await pending(bob);
    expect(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', alice.backupCodes![0]))).toBe('INVALID_CODE');
    const aliceCode = totp(alice.secret!);
    if (![-1, 0, 1].some((step) => totp(bob.secret!, step) === aliceCode)) {
      expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', aliceCode))).toBe('INVALID_CODE');
    }

    const admin = await adminToken(t);
    const issued = await gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code expiresAt } }`, { id: alice.id }, admin);
    expect(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', issued.data.issueBackupCode.code))).toBe('INVALID_CODE');
    const aliceSession = await pending(alice);
    expectSignedIn(await verify(aliceSession.sessionToken, 'BACKUP_CODE', issued.data.issueBackupCode.code), alice);
  });

  it('admin-issued code: valid 30 minutes (29:59 yes, 30:01 no), single use, replaced by a newer one; FORBIDDEN for an agent', async () => {
    const ISSUE = `mutation($id: ID!) { issueBackupCode(userId: $id) { code expiresAt } }`;
    const user = await enableApp(await newUser());
    const agent = await plainSession(await newUser());
    expect(errorCode(await gql(ISSUE, { id: user.id }, agent))).toBe('FORBIDDEN');

    let admin = await adminToken(t);
    const adminId = (await gql(`{ me { id } }`, {}, admin)).data.me.id;
    const first = (await gql(ISSUE, { id: user.id }, admin)).data.issueBackupCode;
    expect(first.expiresAt).toBe(new Date(t.clock.now().getTime() + 30 * 60_000).toISOString());
    t.clock.advanceSeconds(29 * 60 + 59);
    let session = await pending(user);
    expectSignedIn(await verify(session.sessionToken, 'BACKUP_CODE', first.code), user);
    const [used] = await events(user.id, 'BACKUP_CODE_USED');
    expect(used.details).toEqual({ method: 'BACKUP_CODE', adminIssued: true, issuedBy: adminId });
    // The admin who issued it is the event's actor; the user is who it is about.
    const listed = await gql(`query($id: ID!) { securityEvents(userId: $id) { items { type userId actorId } } }`, { id: user.id }, admin);
    expect(listed.data.securityEvents.items.find((e: { type: string }) => e.type === 'BACKUP_CODE_USED')).toEqual({
      type: 'BACKUP_CODE_USED',
      userId: user.id,
      actorId: adminId,
    });

    session = await pending(user);
    expect(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', first.code))).toBe('INVALID_CODE');
    expectSignedIn(await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)), user);

    admin = await adminToken(t);
    const late = (await gql(ISSUE, { id: user.id }, admin)).data.issueBackupCode;
    t.clock.advanceSeconds(30 * 60 + 1);
    session = await pending(user);
    expect(['CODE_EXPIRED', 'INVALID_CODE']).toContain(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', late.code)));

    admin = await adminToken(t);
    const older = (await gql(ISSUE, { id: user.id }, admin)).data.issueBackupCode;
    const newer = (await gql(ISSUE, { id: user.id }, admin)).data.issueBackupCode;
    expect(errorCode(await verify(session.sessionToken, 'BACKUP_CODE', older.code))).toBe('INVALID_CODE');
    expectSignedIn(await verify(session.sessionToken, 'BACKUP_CODE', newer.code), user);
  });

  // ---- trusted devices -------------------------------------------------------

  it('rememberDevice: a trusted-device cookie, then the next sign-in skips the code; refused under EVERY_LOGIN at no cost', async () => {
    const user = await enableApp(await newUser());
    const browser = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' };

    await withPolicy({ frequency: TwoFactorFrequency.EVERY_LOGIN }, async () => {
      const session = await pending(user, browser);
      expect(session.challenge.rememberDeviceDays).toBeNull();
      const refused = await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!), true, browser);
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rememberDevice' });
      expect((await gql(CURRENT, {}, session.sessionToken)).data.currentSession.challenge.attemptsRemaining).toBe(5);
    });

    const session = await pending(user, browser);
    const trusted = await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!), true, browser);
    expect(trusted.errors).toBeUndefined();
    const { trustedDeviceToken, trustedDeviceExpiresAt } = trusted.data.verifyTwoFactor;
    expect(trustedDeviceToken).toEqual(expect.any(String));
    expect(trustedDeviceExpiresAt).toBe(new Date(t.clock.now().getTime() + 90 * 86_400_000).toISOString());
    const cookie = trusted.headers.get('set-cookie')!;
    expect(cookie).toContain(`twofold_td=${trustedDeviceToken}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i); // development over plain http

    const skipped = await signInRaw(user, {}, { ...browser, cookie: `twofold_td=${trustedDeviceToken}` });
    expect(skipped.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', challenge: null, user: { id: user.id } });
    expect(skipped.data.signIn.trustedDeviceToken).not.toBe(trustedDeviceToken);
    expect(skipped.headers.get('set-cookie')).toContain(`twofold_td=${skipped.data.signIn.trustedDeviceToken}`);
    expect((await events(user.id, 'SIGN_IN_SUCCEEDED')).at(-1)!.details).toEqual({ trustedDevice: true });

    // The old token was rotated away: it asks for the code again.
    expect((await signInRaw(user, { trustedDeviceToken }, browser)).data.signIn.stage).toBe('PENDING_TWO_FACTOR');
  });

  // ---- lockout, policy, mail budget, admin reset (security review) ------------

  /** Messages queued for the user so far (codes and notices): a send shows up here before the request returns. */
  /**
   * Waits until no message for the user is left to send. A row is SENT only after the SMTP server's "250",
   * which the test server gives once it has stored the message: nothing more to wait for.
   */
  const outboxSettled = async (userId: string) => {
    const outbox = t.app.get(DataSource).getRepository(MailOutboxEntity);
    await waitUntil('the user\'s mail to be sent', async () => (await outbox.countBy({ userId, status: MailOutboxStatus.PENDING })) === 0);
  };
  const queuedFor = (userId: string) => t.app.get(DataSource).getRepository(MailOutboxEntity).countBy({ userId });

  it('the lockout ends every pending sign-in of the user and voids their codes; no code is mailed while locked', async () => {
    const user = await enableEmail(await newUser());
    await withPolicy({ maxAttempts: 3, cooldownFromAttempt: 3 }, async () => {
      const a = await pendingWithMail(user);
      t.clock.advanceSeconds(60);
      const b = await pendingWithMail(user);
      const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
      expect(errorCode(await verify(a.sessionToken, 'EMAIL', wrong(a.code)))).toBe('INVALID_CODE');
      expect(errorCode(await verify(a.sessionToken, 'EMAIL', wrong(a.code)))).toBe('INVALID_CODE');
      expect(errorCode(await verify(a.sessionToken, 'EMAIL', wrong(a.code)))).toBe('ACCOUNT_LOCKED');

      // The other pending sign-in ended too, and nothing it was sent is left.
      expect(errorCode(await gql(CURRENT, {}, b.sessionToken))).toBe('UNAUTHENTICATED');
      expect(errorCode(await verify(b.sessionToken, 'EMAIL', b.code))).toBe('UNAUTHENTICATED');
      const db = t.app.get(DataSource);
      expect(await db.getRepository(TwoFactorChallengeEntity).countBy({ userId: user.id })).toBe(0);
      expect(await db.getRepository(EmailCodeEntity).countBy({ userId: user.id, purpose: 'sign-in' })).toBe(0);

      // A pending session that is still open when a lockout starts (e.g. opened by a racing sign-in) gets no code either.
      t.clock.advanceMinutes(30);
      const c = await pendingWithMail(user);
      await db.getRepository(TwoFactorAttemptsEntity).update({ userId: user.id }, { lockedUntil: new Date(t.clock.now().getTime() + 30 * 60_000) });
      t.clock.advanceSeconds(60);
      const before = await queuedFor(user.id);
      const resent = await gql(RESEND, {}, c.sessionToken);
      expect(resent.errors![0].extensions).toMatchObject({ code: 'ACCOUNT_LOCKED', retryAfterSeconds: 29 * 60 });
      expect(await queuedFor(user.id)).toBe(before);
      await db.getRepository(TwoFactorAttemptsEntity).update({ userId: user.id }, { lockedUntil: null });
    });
  });

  it("allowedMethods: a disallowed method is METHOD_NOT_AVAILABLE at no cost, never sends, and never downgrades the sign-in", async () => {
    const user = await newUser();
    const token = await plainSession(user);
    await enableEmail(user, token);
    await enableApp(user, token); // EMAIL stays preferred

    await withPolicy({ allowedMethods: ['AUTHENTICATOR_APP'] }, async () => {
      const before = await queuedFor(user.id);
      const session = await pending(user);
      expect(session.challenge).toMatchObject({ methods: ['AUTHENTICATOR_APP', 'BACKUP_CODE'], emailSentTo: null, resendAvailableAt: null });
      expect(await queuedFor(user.id)).toBe(before); // the preferred EMAIL is not allowed: nothing mailed
      expect(errorCode(await verify(session.sessionToken, 'EMAIL', '123456'))).toBe('METHOD_NOT_AVAILABLE');
      expect(errorCode(await gql(RESEND, {}, session.sessionToken))).toBe('METHOD_NOT_AVAILABLE');
      expect((await gql(CURRENT, {}, session.sessionToken)).data.currentSession.challenge.attemptsRemaining).toBe(5);
      expectSignedIn(await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)), user);
    });

    t.clock.advanceSeconds(30);
    const preferApp = await gql(`mutation { setPreferredTwoFactorMethod(method: AUTHENTICATOR_APP) { preferredMethod } }`, {}, token);
    expect(preferApp.errors).toBeUndefined();
    await withPolicy({ allowedMethods: ['EMAIL'] }, async () => {
      // The preferred app is not allowed: the first allowed method that delivers sends the code.
      const session = await pendingWithMail(user);
      expect(session.challenge).toMatchObject({ methods: ['EMAIL', 'BACKUP_CODE'], emailSentTo: 'c***@example.com' });
      expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret!)))).toBe('METHOD_NOT_AVAILABLE');
      expectSignedIn(await verify(session.sessionToken, 'EMAIL', session.code), user);
    });

    // Every enabled method disallowed: still PENDING_TWO_FACTOR, answered with a backup code only.
    const emailOnly = await enableEmail(await newUser());
    await withPolicy({ allowedMethods: ['AUTHENTICATOR_APP'] }, async () => {
      const session = await pending(emailOnly);
      expect(session.challenge).toMatchObject({ methods: ['BACKUP_CODE'], emailSentTo: null, resendAvailableAt: null });
      expect(errorCode(await verify(session.sessionToken, 'EMAIL', '123456'))).toBe('METHOD_NOT_AVAILABLE');
      expectSignedIn(await verify(session.sessionToken, 'BACKUP_CODE', emailOnly.backupCodes![0]), emailOnly);
    });
  });

  it('mail flood: each sign-in mails its own code at once; at most CODE_SENDS_PER_HOUR codes an hour, resends included', async () => {
    const user = await enableEmail(await newUser());
    // Time jumps only once the user's mail is out: a message still being sent when the test clock jumps past
    // its claim's lease would be both sent and dropped (a crashed worker's case, not this one's).
    const later = async (seconds: number) => {
      await outboxSettled(user.id);
      t.clock.advanceSeconds(seconds);
    };
    // The enrollment's code counted against this hour's budget too: start a fresh hour.
    await later(3600);
    const mailStart = smtp.messages.length;
    const first = await pendingWithMail(user);
    const start = t.clock.now().getTime();

    // Right password again at once (a double click, or Cancel and sign in again): a code of its own, at once.
    const again = await pendingWithMail(user);
    expect(again.challenge).toMatchObject({ emailSentTo: 'c***@example.com', resendAvailableAt: new Date(start + 60_000).toISOString() });
    if (again.code !== first.code) expect(errorCode(await verify(again.sessionToken, 'EMAIL', first.code))).toBe('INVALID_CODE');
    expect(errorCode(await gql(RESEND, {}, again.sessionToken))).toBe('RESEND_TOO_SOON');
    await later(60);
    expect((await gql(RESEND, {}, again.sessionToken)).data.resendTwoFactorCode.emailSentTo).toBe('c***@example.com');

    // Sends so far: 3. Fill the hour with resends of the first sign-in and a new sign-in.
    for (let i = 0; i < 4; i++) {
      expect((await gql(RESEND, {}, first.sessionToken)).errors).toBeUndefined();
      await later(60);
    }
    const third = await pending(user);
    expect(third.challenge.emailSentTo).toBe('c***@example.com');
    for (let i = 0; i < CODE_SENDS_PER_HOUR - 8; i++) {
      await later(60);
      expect((await gql(RESEND, {}, third.sessionToken)).errors).toBeUndefined();
    }

    // The cap is reached: a sign-in mails nothing and says when it can; resend is RATE_LIMITED until then.
    await later(60);
    const capped = await pending(user);
    const windowEnd = new Date(start + 3_600_000);
    expect(capped.challenge).toMatchObject({ emailSentTo: null, resendAvailableAt: windowEnd.toISOString() });
    const refused = await gql(RESEND, {}, capped.sessionToken);
    expect(refused.errors![0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: Math.round((windowEnd.getTime() - t.clock.now().getTime()) / 1000) });

    // Every code of the hour is sent or, replaced by a newer one before it went out, dropped; none more.
    await outboxSettled(user.id);
    const sent = smtp.messages.slice(mailStart).filter((m) => m.to.includes(user.email) && hasCode(m)).length;
    const replaced = await t.app.get(DataSource).getRepository(MailOutboxEntity).countBy({ userId: user.id, dropReason: 'replaced' });
    expect(sent + replaced).toBe(CODE_SENDS_PER_HOUR);
    t.clock.advanceSeconds((windowEnd.getTime() - t.clock.now().getTime()) / 1000);
    const next = await pendingWithMail(user);
    expectSignedIn(await verify(next.sessionToken, 'EMAIL', next.code), user);
  });

  it('an admin reset clears a lockout: the user signs in at once', async () => {
    const user = await enableApp(await newUser());
    await withPolicy({ maxAttempts: 2, cooldownFromAttempt: 2 }, async () => {
      const session = await pending(user);
      expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', wrongTotp(user.secret!)))).toBe('INVALID_CODE');
      expect(errorCode(await verify(session.sessionToken, 'AUTHENTICATOR_APP', wrongTotp(user.secret!)))).toBe('ACCOUNT_LOCKED');
    });
    expect(errorCode(await signInRaw(user))).toBe('ACCOUNT_LOCKED');

    const reset = await gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: user.id }, await adminToken(t));
    expect(reset.errors).toBeUndefined();
    const after = await signInRaw(user);
    expect(after.errors).toBeUndefined();
    expect(after.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', user: { id: user.id } });
    // And the count starts from zero once they enroll again.
    await enableApp(user, after.data.signIn.sessionToken);
    expect((await pending(user)).challenge.attemptsRemaining).toBe(5);
  });

  it('resend racing a cancel answers UNAUTHENTICATED, not an internal error', async () => {
    const user = await enableEmail(await newUser());
    const session = await pendingWithMail(user);
    t.clock.advanceSeconds(60);
    // Let the cancel land between the resend's checks and its send (the real mutation, on the same token).
    type Builder = { update: (...args: unknown[]) => { execute: () => Promise<unknown> } };
    const repository = (t.app.get(ChallengeStore) as unknown as { challenges: { createQueryBuilder: (...args: unknown[]) => Builder } }).challenges;
    const original = repository.createQueryBuilder;
    let cancelled = false;
    repository.createQueryBuilder = function (this: unknown, ...args: unknown[]) {
      const builder = original.apply(this, args);
      if (cancelled) return builder;
      cancelled = true;
      const update = builder.update.bind(builder);
      builder.update = (...updateArgs: unknown[]) => {
        const query = update(...updateArgs);
        const execute = query.execute.bind(query);
        query.execute = async () => {
          expect((await gql(`mutation { cancelSignIn }`, {}, session.sessionToken)).data.cancelSignIn).toBe(true);
          return execute();
        };
        return query;
      };
      return builder;
    };
    let response: GraphQLResponse;
    try {
      response = await gql(RESEND, {}, session.sessionToken);
    } finally {
      repository.createQueryBuilder = original;
    }
    expect(cancelled).toBe(true);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
  });

  // ---- an integrator's method ------------------------------------------------

  it("an integrator's SMS method signs a user in through verifyTwoFactor", async () => {
    const user = await newUser();
    await enableSms(t, user.id);
    const session = await pending(user);
    expect(session.challenge).toMatchObject({ methods: [SMS, 'BACKUP_CODE'], emailSentTo: null });
    // The masked phone number is sentTo, never emailSentTo.
    const described = await gql(`{ currentSession { challenge { sentTo emailSentTo } } }`, {}, session.sessionToken);
    expect(described.data.currentSession.challenge).toEqual({ sentTo: '+15***01', emailSentTo: null });
    expectSignedIn(await verify(session.sessionToken, SMS, lastSmsCode(t, user.id)), user);
    expect((await events(user.id, 'SIGN_IN_SUCCEEDED')).at(-1)!.details).toEqual({ method: SMS });
  });
});
