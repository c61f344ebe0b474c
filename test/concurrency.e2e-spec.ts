import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { lockConflictsSeen } from '../src/database/transactions';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { UsersService } from '../src/modules/users/users.service';
import { adminToken, GraphQLResponse, SIGN_IN, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

/**
 * Issue 10, hole 2: many users doing the same write at once on MariaDB (a
 * company turning 2FA on for everybody on Monday morning). No request may
 * answer INTERNAL_SERVER_ERROR, and the cause is gone, not only retried
 * away: no transaction met a deadlock or lock-wait timeout.
 */
const PASSWORD = 'concurrency-password-1';
const CLIENT = { ip: '127.0.0.1', userAgent: 'concurrency-test' };
const N = 16;

function problems(responses: GraphQLResponse[]): string[] {
  return responses.flatMap((r, i) => (r.errors ?? []).map((e) => `#${i}: ${e.extensions?.code} ${e.message}`));
}

describe('concurrency on MariaDB: no deadlock reaches a client', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: string;
  let counter = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMITS: 'off' } });
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  async function users(count: number) {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const email = `crowd${++counter}@example.com`;
        const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role: Role.AGENT });
        const token = (await t.app.get(SessionsService).open(user.id, SessionStage.AUTHENTICATED, CLIENT)).token;
        return { id: user.id, email, token };
      }),
    );
  }

  it(`${N} authenticator-app enrollments confirmed at the same moment`, async () => {
    const before = lockConflictsSeen();
    const crowd = await users(N);
    const started = await Promise.all(crowd.map((u) => t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: u.token })));
    expect(problems(started)).toEqual([]);
    const confirmed = await Promise.all(
      crowd.map((u, i) =>
        t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, {
          code: oathtoolCode(started[i].data.startAuthenticatorEnrollment.secret, t.clock.now()),
        }, { token: u.token }),
      ),
    );
    expect(problems(confirmed)).toEqual([]);
    expect(confirmed.every((r) => r.data.confirmAuthenticatorEnrollment.backupCodes.length === 10)).toBe(true);
    expect(lockConflictsSeen() - before).toBe(0);
  });

  it(`${N} email enrollments confirmed at the same moment`, async () => {
    const before = lockConflictsSeen();
    const crowd = await users(N);
    const since = smtp.messages.length;
    expect(problems(await Promise.all(crowd.map((u) => t.gql(`mutation { startEmailEnrollment { sentTo } }`, {}, { token: u.token }))))).toEqual([]);
    const codes = await Promise.all(crowd.map(async (u) => sixDigitCode(await smtp.waitFor(u.email, { since, match: (m) => /\b\d{6}\b/.test(m.text) }))));
    const confirmed = await Promise.all(
      crowd.map((u, i) => t.gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { backupCodes } }`, { code: codes[i] }, { token: u.token })),
    );
    expect(problems(confirmed)).toEqual([]);
    expect(lockConflictsSeen() - before).toBe(0);
  });

  it(`${N} two-factor sign-ins at the same moment`, async () => {
    const crowd = await users(N);
    const secrets = await Promise.all(
      crowd.map(async (u) => {
        const { secret } = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: u.token })).data.startAuthenticatorEnrollment;
        await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: u.token });
        return secret as string;
      }),
    );
    t.clock.advanceSeconds(30);
    const before = lockConflictsSeen();
    const pending = await Promise.all(crowd.map((u) => t.gql(SIGN_IN, { input: { email: u.email, password: PASSWORD } })));
    expect(problems(pending)).toEqual([]);
    const verified = await Promise.all(
      crowd.map((_, i) =>
        t.gql(`mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage } }`, {
          input: { method: 'AUTHENTICATOR_APP', code: oathtoolCode(secrets[i], t.clock.now()), rememberDevice: true },
        }, { token: pending[i].data.signIn.sessionToken }),
      ),
    );
    expect(problems(verified)).toEqual([]);
    expect(verified.every((r) => r.data.verifyTwoFactor.stage === 'AUTHENTICATED')).toBe(true);
    expect(lockConflictsSeen() - before).toBe(0);
  });

  it('concurrent admin writes: users created, codes issued, 2FA reset, methods turned off', async () => {
    const before = lockConflictsSeen();
    const created = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        t.gql(`mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`, { input: { email: `made${i}-${++counter}@example.com`, password: PASSWORD } }, { token: admin }),
      ),
    );
    expect(problems(created)).toEqual([]);
    const crowd = await users(N);
    await Promise.all(
      crowd.map(async (u) => {
        const { secret } = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: u.token })).data.startAuthenticatorEnrollment;
        await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: u.token });
      }),
    );
    const writes = await Promise.all([
      ...crowd.map((u) => t.gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: u.id }, { token: admin })),
      ...crowd.slice(0, N / 2).map((u) => t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: u.id }, { token: admin })),
      ...crowd
        .slice(N / 2)
        .map((u) =>
          t.gql(`mutation($password: String!) { regenerateBackupCodes(password: $password) }`, { password: PASSWORD }, { token: u.token }),
        ),
      ...[3, 4, 5, 6].map((max) => t.gql(`mutation($m: Int!) { updateTwoFactorPolicy(input: { maxAttempts: $m }) { maxAttempts } }`, { m: max }, { token: admin })),
    ]);
    expect(problems(writes)).toEqual([]);
    expect(lockConflictsSeen() - before).toBe(0);
  });
});
