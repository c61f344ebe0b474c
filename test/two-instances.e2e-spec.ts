import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, errorCode, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

const PASSWORD = 'two-instances-password';
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken challenge { methods attemptsRemaining } } }`;
const VERIFY = `mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage sessionToken } }`;

/**
 * Two instances of the app on one database (one process, two servers, one
 * clock): whatever one does, the other sees. Sessions, attempt counters,
 * used codes and the policy all live in the database.
 */
describe('two instances act as one', () => {
  let a: TestApp;
  let b: TestApp;
  let smtp: TestSmtpServer;
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    const env = { SMTP_URL: smtp.url, RATE_LIMITS: 'off' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.database, clock: a.clock });
    admin = await adminToken(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await smtp?.stop();
  });

  const signIn = async (app: TestApp, email: string) => {
    const response = await app.gql(SIGN_IN, { input: { email, password: PASSWORD } });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data.signIn as { stage: string; sessionToken: string; challenge: { attemptsRemaining: number } | null };
  };
  const verify = (app: TestApp, token: string, method: string, code: string) => app.gql(VERIFY, { input: { method, code } }, { token });
  const totp = (secret: string) => oathtoolCode(secret, a.clock.now());
  const wrong = (secret: string) => {
    const valid = new Set([-30, 0, 30].map((s) => oathtoolCode(secret, new Date(a.clock.now().getTime() + s * 1000))));
    for (;;) {
      const code = String(randomInt(1_000_000)).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  };

  /** A user with an authenticator app, enrolled on instance `a`. */
  const appUser = async () => {
    const email = `two-instances-${n++}@example.com`;
    await createUser(a, admin, { email, password: PASSWORD });
    const token = (await signIn(a, email)).sessionToken;
    const secret = (await a.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token })).data.startAuthenticatorEnrollment.secret as string;
    const confirmed = await b.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { twoFactor { enabled } } }`, { code: totp(secret) }, { token });
    expect(confirmed.data?.confirmAuthenticatorEnrollment.twoFactor.enabled).toBe(true); // started on a, confirmed on b
    a.clock.advanceSeconds(30); // the enrollment used this step's code
    return { email, secret };
  };

  it('signs in on one instance and verifies on the other; the session works on both and ends on both', async () => {
    const user = await appUser();
    const pending = await signIn(a, user.email);
    expect(pending.stage).toBe('PENDING_TWO_FACTOR');
    expect((await b.gql(`{ currentSession { stage } }`, {}, { token: pending.sessionToken })).data.currentSession.stage).toBe('PENDING_TWO_FACTOR');
    const done = await verify(b, pending.sessionToken, 'AUTHENTICATOR_APP', totp(user.secret));
    expect(done.data?.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    const token = done.data.verifyTwoFactor.sessionToken as string;
    expect((await a.gql(`{ me { email } }`, {}, { token })).data.me.email).toBe(user.email);
    expect(errorCode(await a.gql(`{ currentSession { stage } }`, {}, { token: pending.sessionToken }))).toBe('UNAUTHENTICATED');
    await b.gql(`mutation { signOut }`, {}, { token });
    expect(errorCode(await a.gql(`{ me { email } }`, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it('an email code sent by one instance is accepted by the other, once', async () => {
    const email = `two-instances-mail-${n++}@example.com`;
    await createUser(a, admin, { email, password: PASSWORD });
    const token = (await signIn(a, email)).sessionToken;
    let since = smtp.messages.length;
    await a.gql(`mutation { startEmailEnrollment { sentTo } }`, {}, { token });
    const enrollCode = sixDigitCode(await smtp.waitFor(email, { since, match: (m) => /\b\d{6}\b/.test(m.text) }));
    expect((await b.gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { twoFactor { enabled } } }`, { code: enrollCode }, { token })).data?.confirmEmailEnrollment.twoFactor.enabled).toBe(true);

    since = smtp.messages.length;
    const pending = await signIn(b, email);
    const code = sixDigitCode(await smtp.waitFor(email, { since, match: (m) => /\b\d{6}\b/.test(m.text) }));
    expect((await verify(a, pending.sessionToken, 'EMAIL', code)).data?.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    // The same code on a second pending sign-in, at the other instance: refused.
    const again = await signIn(a, email);
    expect(errorCode(await verify(b, again.sessionToken, 'EMAIL', code))).toBe('INVALID_CODE');
  });

  it('a TOTP code used on one instance cannot be replayed on the other', async () => {
    const user = await appUser();
    const first = await signIn(a, user.email);
    const second = await signIn(b, user.email);
    const code = totp(user.secret);
    expect((await verify(a, first.sessionToken, 'AUTHENTICATOR_APP', code)).data?.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    expect(errorCode(await verify(b, second.sessionToken, 'AUTHENTICATOR_APP', code))).toBe('INVALID_CODE');
  });

  it('failed attempts add up across instances to a lockout that both enforce', async () => {
    const user = await appUser();
    const policy = (await a.gql(`{ twoFactorPolicy { maxAttempts cooldownMinutes } }`, {}, { token: admin })).data.twoFactorPolicy;
    let pending = await signIn(a, user.email);
    const instances = [a, b];
    let last;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const app = instances[attempt % 2];
      last = await verify(app, pending.sessionToken, 'AUTHENTICATOR_APP', wrong(user.secret));
      if (attempt < policy.maxAttempts) {
        expect(errorCode(last)).toBe('INVALID_CODE');
        expect(last.errors![0].extensions!.attemptsRemaining).toBe(policy.maxAttempts - attempt);
        // A cooldown may have started: wait it out on the shared clock.
        if (last.errors![0].extensions!.retryAfterSeconds) a.clock.advanceSeconds(last.errors![0].extensions!.retryAfterSeconds + 1);
        const still = await b.gql(`{ currentSession { stage } }`, {}, { token: pending.sessionToken });
        if (errorCode(still) === 'UNAUTHENTICATED') pending = await signIn(a, user.email);
      }
    }
    expect(errorCode(last!)).toBe('ACCOUNT_LOCKED');
    const refusedA = await a.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
    const refusedB = await b.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
    expect(errorCode(refusedA)).toBe('ACCOUNT_LOCKED');
    expect(errorCode(refusedB)).toBe('ACCOUNT_LOCKED');
  });

  it('a policy change on one instance holds on the other at once', async () => {
    const user = await appUser();
    const before = (await b.gql(`{ twoFactorPolicy { maxAttempts } }`, {}, { token: admin })).data.twoFactorPolicy.maxAttempts as number;
    expect((await signIn(b, user.email)).challenge!.attemptsRemaining).toBe(before);
    const updated = await a.gql(`mutation { updateTwoFactorPolicy(input: { maxAttempts: ${before + 2} }) { maxAttempts } }`, {}, { token: admin });
    expect(updated.data?.updateTwoFactorPolicy.maxAttempts).toBe(before + 2);
    expect((await b.gql(`{ twoFactorPolicy { maxAttempts } }`, {}, { token: admin })).data.twoFactorPolicy.maxAttempts).toBe(before + 2);
    expect((await signIn(b, user.email)).challenge!.attemptsRemaining).toBe(before + 2);
    await b.gql(`mutation { updateTwoFactorPolicy(input: { maxAttempts: ${before} }) { maxAttempts } }`, {}, { token: admin });
    expect((await signIn(a, user.email)).challenge!.attemptsRemaining).toBe(before);
  });
});
