import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { CODE_SENDS_PER_HOUR } from '../src/modules/attempts/send-budget.service';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorPolicy, TwoFactorRequirement } from '../src/modules/policy/policy.types';
import { UsersService } from '../src/modules/users/users.service';
import { errorCode, GraphQLResponse, SIGN_IN, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

/**
 * Issue 10, hole 1: every code check of an enrollment goes through the same
 * per-user attempts, cooldown and lockout as sign-in, and restarting the
 * enrollment resets nothing. Enrollment emails share the sign-in send budget.
 */
const PASSWORD = 'enrollment-attempts-password-1';
const CLIENT = { ip: '127.0.0.1', userAgent: 'enrollment-attempts-test' };
const START_EMAIL = `mutation { startEmailEnrollment { sentTo expiresAt resendAvailableAt } }`;
const RESEND_EMAIL = `mutation { resendEmailEnrollmentCode { sentTo } }`;
const CONFIRM_EMAIL = `mutation($code: String!) { confirmEmailEnrollment(code: $code) { backupCodes session { stage } } }`;
const START_APP = `mutation { startAuthenticatorEnrollment { secret } }`;
const CONFIRM_APP = `mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`;

function wrong(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, '0');
}

describe('enrollment: the one attempt gate', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let defaults: Omit<TwoFactorPolicy, 'updatedAt'>;
  let counter = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMITS: 'off' } });
    const { updatedAt: _u, ...policy } = await t.app.get(PolicyService).get();
    defaults = policy;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  async function newUser(stage: SessionStage = SessionStage.AUTHENTICATED) {
    const email = `attempts-enrollee${++counter}@example.com`;
    const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role: Role.AGENT });
    const token = (await t.app.get(SessionsService).open(user.id, stage, CLIENT)).token;
    return { id: user.id, email, token };
  }

  async function startEmail(user: { email: string; token: string }): Promise<{ response: GraphQLResponse; code: string | null }> {
    const since = smtp.messages.length;
    const response = await t.gql(START_EMAIL, {}, { token: user.token });
    if (response.errors) return { response, code: null };
    const mail = await smtp.waitFor(user.email, { since, match: (m) => /\b\d{6}\b/.test(m.text) });
    return { response, code: sixDigitCode(mail) };
  }

  const confirmEmail = (token: string, code: string) => t.gql(CONFIRM_EMAIL, { code }, { token });

  it('five wrong codes lock the account, and restarting the enrollment resets nothing', async () => {
    const user = await newUser();
    let { code } = await startEmail(user);
    // Two free failures, then a restart: a new code, but the same count.
    expect(errorCode(await confirmEmail(user.token, wrong(code!)))).toBe('INVALID_CODE');
    expect((await confirmEmail(user.token, wrong(code!, 2))).errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 3 });
    t.clock.advanceSeconds(61);
    ({ code } = await startEmail(user));
    // The third failure (after the restart) starts the cooldown, as it would at sign-in.
    expect((await confirmEmail(user.token, wrong(code!))).errors![0].extensions).toMatchObject({
      code: 'INVALID_CODE',
      attemptsRemaining: 2,
      retryAfterSeconds: 300,
    });
    // During the cooldown even the right code is not looked at.
    expect(errorCode(await confirmEmail(user.token, code!))).toBe('TOO_MANY_ATTEMPTS');
    t.clock.advanceMinutes(5);
    expect(errorCode(await confirmEmail(user.token, wrong(code!)))).toBe('INVALID_CODE');
    t.clock.advanceMinutes(5);
    // Restart again: still the same count; the fifth failure locks the account.
    ({ code } = await startEmail(user));
    const fifth = await confirmEmail(user.token, wrong(code!));
    expect(fifth.errors![0].extensions).toMatchObject({ code: 'ACCOUNT_LOCKED', retryAfterSeconds: 1800 });
    // Locked: no new email, no check, no sign-in.
    const mailsBefore = smtp.messages.length;
    expect(errorCode(await t.gql(START_EMAIL, {}, { token: user.token }))).toBe('ACCOUNT_LOCKED');
    expect(errorCode(await confirmEmail(user.token, code!))).toBe('ACCOUNT_LOCKED');
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }))).toBe('ACCOUNT_LOCKED');
    expect(smtp.messages.slice(mailsBefore).filter((m) => m.to.includes(user.email) && /\b\d{6}\b/.test(m.text))).toEqual([]);
    const events: Array<{ type: string }> = await t.app.get(DataSource).query('SELECT type FROM security_events WHERE userId = ? ORDER BY id', [user.id]);
    expect(events.filter((e) => e.type === 'TWO_FACTOR_FAILED')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'ACCOUNT_LOCKED')).toHaveLength(1);
  });

  it('the authenticator app enrollment counts against the same attempts as sign-in', async () => {
    const user = await newUser();
    const { secret } = (await t.gql(START_APP, {}, { token: user.token })).data.startAuthenticatorEnrollment;
    const right = oathtoolCode(secret, t.clock.now());
    expect(errorCode(await t.gql(CONFIRM_APP, { code: wrong(right, 500_000) }, { token: user.token }))).toBe('INVALID_CODE');
    expect(errorCode(await t.gql(CONFIRM_APP, { code: wrong(right, 500_001) }, { token: user.token }))).toBe('INVALID_CODE');
    // A fresh start (a new secret) does not give the attempts back: this failure is the third.
    const { secret: second } = (await t.gql(START_APP, {}, { token: user.token })).data.startAuthenticatorEnrollment;
    const third = await t.gql(CONFIRM_APP, { code: wrong(oathtoolCode(second, t.clock.now()), 500_000) }, { token: user.token });
    expect(third.errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 2, retryAfterSeconds: 300 });
    t.clock.advanceMinutes(5);
    // The right code clears the count.
    expect((await t.gql(CONFIRM_APP, { code: oathtoolCode(second, t.clock.now()) }, { token: user.token })).errors).toBeUndefined();
    // At sign-in the count starts from five again.
    const signedIn = await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { stage challenge { attemptsRemaining } } }`, {
      input: { email: user.email, password: PASSWORD },
    });
    expect(signedIn.data.signIn).toEqual({ stage: 'PENDING_TWO_FACTOR', challenge: { attemptsRemaining: 5 } });
  });

  it('a lockout during a required enrollment ends the PENDING_ENROLLMENT session', async () => {
    // One-minute cooldowns: five guesses fit in the ten minutes a pending session lives.
    await t.app.get(PolicyService).save(
      { ...defaults, requirement: TwoFactorRequirement.REQUIRED_FOR_ALL, allowedMethods: ['EMAIL'], cooldownMinutes: 1 },
      t.clock.now(),
    );
    try {
      const user = await newUser();
      const pending = await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
      const token = pending.data.signIn.sessionToken;
      expect(pending.data.signIn.stage).toBe('PENDING_ENROLLMENT');
      const { code } = await startEmail({ email: user.email, token });
      for (let i = 1; i <= 4; i++) {
        expect(errorCode(await confirmEmail(token, wrong(code!, i)))).toBe('INVALID_CODE');
        t.clock.advanceMinutes(1);
      }
      expect(errorCode(await confirmEmail(token, wrong(code!, 5)))).toBe('ACCOUNT_LOCKED');
      // The guesser's session is over; signing in again is refused until the lockout ends.
      expect(errorCode(await t.gql(`{ currentSession { stage } }`, {}, { token }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }))).toBe('ACCOUNT_LOCKED');
    } finally {
      await t.app.get(PolicyService).save(defaults, t.clock.now());
    }
  });

  it('enrollment emails share the hourly send budget, and a start within the cooldown sends nothing', async () => {
    t.clock.advanceMinutes(61);
    const user = await newUser();
    const first = await startEmail(user);
    const sent = () => smtp.messages.filter((m) => m.to.includes(user.email) && /\b\d{6}\b/.test(m.text)).length;
    expect(sent()).toBe(1);
    // Within the resend cooldown: the enrollment under way, no second message.
    const again = await t.gql(START_EMAIL, {}, { token: user.token });
    expect(again.errors).toBeUndefined();
    expect(again.data.startEmailEnrollment.resendAvailableAt).toBe(first.response.data.startEmailEnrollment.resendAvailableAt);
    for (let i = 1; i < CODE_SENDS_PER_HOUR; i++) {
      t.clock.advanceSeconds(61);
      const since = smtp.messages.length;
      const response = i % 2 ? await t.gql(RESEND_EMAIL, {}, { token: user.token }) : await t.gql(START_EMAIL, {}, { token: user.token });
      expect(response.errors, `send ${i + 1}`).toBeUndefined();
      await smtp.waitFor(user.email, { since, match: (m) => /\b\d{6}\b/.test(m.text) });
    }
    expect(sent()).toBe(CODE_SENDS_PER_HOUR);
    t.clock.advanceSeconds(61);
    expect(errorCode(await t.gql(RESEND_EMAIL, {}, { token: user.token }))).toBe('RATE_LIMITED');
    expect(errorCode(await t.gql(START_EMAIL, {}, { token: user.token }))).toBe('RATE_LIMITED');
  });
});
