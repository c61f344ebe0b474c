import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { UsersService } from '../src/modules/users/users.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, errorCode, GraphQLResponse, SIGN_IN, startTestApp, TestApp } from './support/app';

/** A fresh client address per case: the counts live for a minute (and in Redis, across runs). */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
/** A new unknown email each time, so the per-account password throttle never answers instead. */
const nobody = () => `nobody-${randomInt(1e9)}@example.com`;
const wrongSignIn = (t: TestApp, ip?: string) =>
  t.gql(SIGN_IN, { input: { email: nobody(), password: 'wrong-password' } }, { headers: ip ? { 'x-forwarded-for': ip } : {} });

function expectRateLimited(response: GraphQLResponse) {
  expect(errorCode(response)).toBe('RATE_LIMITED');
  const retry = response.errors![0].extensions!.retryAfterSeconds;
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
}

describe('rate limits per client on sensitive operations', () => {
  let t: TestApp;
  let noProxy: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' } });
    noProxy = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '0' }, database: t.database });
  });
  afterAll(async () => {
    await noProxy?.close();
    await t?.close();
  });

  it('refuses the call past the limit with RATE_LIMITED and retryAfterSeconds; other clients go on', async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++) expect(errorCode(await wrongSignIn(t, ip))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(t, ip));
    expect(errorCode(await wrongSignIn(t, randomIp()))).toBe('INVALID_CREDENTIALS');
  });

  it('counts each alias of a mutation as one call', async () => {
    const ip = randomIp();
    const aliased = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: signIn(input: { email: "${ADMIN_EMAIL}", password: "${ADMIN_PASSWORD}" }) { stage }`).join(' ')} }`;
    const three = await t.gql(aliased(3), {}, { headers: { 'x-forwarded-for': ip } });
    expect(three.errors).toBeUndefined();
    expect(Object.keys(three.data)).toEqual(['a0', 'a1', 'a2']);
    expectRateLimited(await t.gql(aliased(1), {}, { headers: { 'x-forwarded-for': ip } }));
    // Mutation fields run one after another: the fourth alias is refused, whatever came before it.
    const other = randomIp();
    const five = await t.gql(aliased(5), {}, { headers: { 'x-forwarded-for': other } });
    expect(five.errors!.map((e) => [e.path![0], e.extensions!.code])).toEqual([['a3', 'RATE_LIMITED']]);
  });

  it('leaves other operations alone', async () => {
    const ip = randomIp();
    for (let i = 0; i < 4; i++) await wrongSignIn(t, ip);
    for (let i = 0; i < 5; i++) {
      const response = await t.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': ip } });
      expect(response.errors).toBeUndefined();
    }
  });

  it('limits every sensitive operation: sign-in, the challenge, enrollment and password checks', async () => {
    const users = t.app.get(UsersService);
    const client = { ip: '127.0.0.1', userAgent: 'rate-limits' };
    // A user per operation: wrong passwords also count against the account's own password throttle.
    const token = async (userId: string, stage: SessionStage) => (await t.app.get(SessionsService).open(userId, stage, client)).token;
    const SENSITIVE: Array<[string, SessionStage | null]> = [
      ['signIn(input: { email: "nobody@example.com", password: "wrong-password" }) { stage }', null],
      ['verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: "not-a-code" }) { stage }', SessionStage.PENDING_TWO_FACTOR],
      ['resendTwoFactorCode { expiresAt }', SessionStage.PENDING_TWO_FACTOR],
      ['startEmailEnrollment { sentTo }', SessionStage.AUTHENTICATED],
      ['resendEmailEnrollmentCode { sentTo }', SessionStage.AUTHENTICATED],
      ['confirmEmailEnrollment(code: "not-a-code") { backupCodes }', SessionStage.AUTHENTICATED],
      ['startAuthenticatorEnrollment { expiresAt }', SessionStage.AUTHENTICATED],
      ['confirmAuthenticatorEnrollment(code: "not-a-code") { backupCodes }', SessionStage.AUTHENTICATED],
      ['disableTwoFactorMethod(method: EMAIL, password: "wrong-password") { enabled }', SessionStage.AUTHENTICATED],
      ['regenerateBackupCodes(password: "wrong-password")', SessionStage.AUTHENTICATED],
      ['changePassword(currentPassword: "wrong-password", newPassword: "new-password-123")', SessionStage.AUTHENTICATED],
    ];
    const problems: string[] = [];
    for (const [field, stage] of SENSITIVE) {
      const ip = randomIp();
      const agent = await users.create({ email: `limited-${randomInt(1e9)}@example.com`, password: 'limited-password-1' });
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < 4; i++) {
        const response = await t.gql(`mutation { ${field} }`, {}, { token: stage ? await token(agent.id, stage) : null, headers: { 'x-forwarded-for': ip } });
        codes.push(errorCode(response));
      }
      if (codes.slice(0, 3).includes('RATE_LIMITED') || codes[3] !== 'RATE_LIMITED') problems.push(`${field.split(/[ ({]/)[0]}: ${codes.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy sets it', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(errorCode(await wrongSignIn(noProxy, randomIp())));
    expect(results).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
  });
});

describe('rate limits shared through Redis (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('two instances count one client together', async () => {
    const ip = randomIp();
    expect(errorCode(await wrongSignIn(a, ip))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await wrongSignIn(b, ip))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await wrongSignIn(a, ip))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(b, ip));
    expectRateLimited(await wrongSignIn(a, ip));
    expect(errorCode(await wrongSignIn(b, randomIp()))).toBe('INVALID_CREDENTIALS');
  });
});
