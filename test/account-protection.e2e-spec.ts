import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorPolicy } from '../src/modules/policy/policy.types';
import { UsersService } from '../src/modules/users/users.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, errorCode, GraphQLResponse, signIn, startTestApp, TestApp } from './support/app';
import { oathtoolCode } from './support/totp';

/**
 * Issue 10, holes 4, 5 and 7: recent authentication before adding a factor,
 * admins who cannot help themselves, and a policy that cannot lock everyone out.
 */
const PASSWORD = 'protection-password-1';
const CLIENT = { ip: '127.0.0.1', userAgent: 'protection-test' };
const START_APP = `mutation($password: String) { startAuthenticatorEnrollment(password: $password) { secret } }`;
const CONFIRM_APP = `mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`;
const PREFER = `mutation($method: TwoFactorMethod!, $password: String) { setPreferredTwoFactorMethod(method: $method, password: $password) { preferredMethod } }`;
const POLICY = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { requirement allowedMethods reauthenticationMinutes } }`;

function ok<T = any>(response: GraphQLResponse<T>): T {
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

describe('recent authentication, self-service limits of admins, policies that can be met', () => {
  let t: TestApp;
  let defaults: Omit<TwoFactorPolicy, 'updatedAt'>;
  let counter = 0;

  beforeAll(async () => {
    // Production-like: no mail server, so EMAIL cannot be enrolled.
    t = await startTestApp({ env: { RATE_LIMITS: 'off', NODE_ENV: 'production' } });
    const { updatedAt: _u, ...policy } = await t.app.get(PolicyService).get();
    defaults = policy;
  });
  afterAll(async () => t?.close());

  async function newUser(role = Role.AGENT) {
    const email = `protected${++counter}@example.com`;
    const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role });
    const token = (await t.app.get(SessionsService).open(user.id, SessionStage.AUTHENTICATED, CLIENT)).token;
    return { id: user.id, email, token };
  }

  async function enrollApp(token: string, password?: string) {
    const { secret } = ok(await t.gql(START_APP, { password }, { token })).startAuthenticatorEnrollment;
    ok(await t.gql(CONFIRM_APP, { code: oathtoolCode(secret, t.clock.now()) }, { token }));
    return secret as string;
  }

  describe('recent authentication ("sudo mode")', () => {
    it('a session older than reauthenticationMinutes must give the password to add a method', async () => {
      const user = await newUser();
      t.clock.advanceMinutes(16);
      // A stolen, idle session cannot plant its own authenticator.
      const refused = await t.gql(START_APP, {}, { token: user.token });
      expect(refused.errors![0].extensions).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', field: 'password' });
      expect(errorCode(await t.gql(START_APP, { password: 'not-the-password' }, { token: user.token }))).toBe('INVALID_CREDENTIALS');
      // The right password works and counts as recent for what follows.
      const secret = await enrollApp(user.token, PASSWORD);
      expect(secret).toMatch(/^[A-Z2-7]+$/);
      expect(ok(await t.gql(PREFER, { method: 'AUTHENTICATOR_APP' }, { token: user.token })).setPreferredTwoFactorMethod.preferredMethod).toBe(
        'AUTHENTICATOR_APP',
      );
      t.clock.advanceMinutes(16);
      expect(errorCode(await t.gql(PREFER, { method: 'AUTHENTICATOR_APP' }, { token: user.token }))).toBe('REAUTHENTICATION_REQUIRED');
    });

    it('a fresh sign-in, or a second factor, is recent authentication; the policy sets how long', async () => {
      const user = await newUser();
      const signedIn = await signIn(t, user.email, PASSWORD);
      expect(ok(await t.gql(START_APP, {}, { token: signedIn.sessionToken })).startAuthenticatorEnrollment.secret).toBeTruthy();
      const secret = await enrollApp(signedIn.sessionToken);
      t.clock.advanceMinutes(20);
      // Signing in with the second factor makes the new session recent.
      const pending = await signIn(t, user.email, PASSWORD);
      t.clock.advanceSeconds(30);
      const verified = ok(
        await t.gql(`mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { sessionToken } }`, {
          input: { method: 'AUTHENTICATOR_APP', code: oathtoolCode(secret, t.clock.now()) },
        }, { token: pending.sessionToken }),
      ).verifyTwoFactor.sessionToken;
      t.clock.advanceMinutes(14);
      expect(errorCode(await t.gql(PREFER, { method: 'AUTHENTICATOR_APP' }, { token: verified }))).toBeUndefined();
      // An admin shortens the window to one minute.
      const admin = await adminWithMethod();
      expect(ok(await t.gql(POLICY, { input: { reauthenticationMinutes: 1 } }, { token: admin })).updateTwoFactorPolicy.reauthenticationMinutes).toBe(1);
      t.clock.advanceMinutes(2);
      expect(errorCode(await t.gql(PREFER, { method: 'AUTHENTICATOR_APP' }, { token: verified }))).toBe('REAUTHENTICATION_REQUIRED');
      expect((await t.gql(POLICY, { input: { reauthenticationMinutes: 0 } }, { token: admin })).errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'reauthenticationMinutes',
      });
      await t.app.get(PolicyService).save(defaults, t.clock.now());
    });

    it('a PENDING_ENROLLMENT session has just entered the password: no password asked', async () => {
      const user = await newUser();
      const pending = (await t.app.get(SessionsService).open(user.id, SessionStage.PENDING_ENROLLMENT, CLIENT)).token;
      t.clock.advanceMinutes(5);
      expect((await t.gql(START_APP, {}, { token: pending })).errors).toBeUndefined();
    });
  });

  let adminSession: string | null = null;
  /** The bootstrap admin, with an authenticator app (and a fresh AUTHENTICATED session). */
  async function adminWithMethod(): Promise<string> {
    if (!adminSession) {
      adminSession = await adminToken(t);
      await enrollApp(adminSession);
    }
    const fresh = (await t.app.get(SessionsService).open((await t.app.get(UsersService).findByEmail(ADMIN_EMAIL))!.id, SessionStage.AUTHENTICATED, CLIENT)).token;
    return fresh;
  }

  describe('admins cannot help themselves', () => {
    it('issueBackupCode and resetTwoFactor are FORBIDDEN for oneself, and work for another user', async () => {
      const admin = await adminWithMethod();
      const adminId = (await t.app.get(UsersService).findByEmail(ADMIN_EMAIL))!.id;
      expect(errorCode(await t.gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: adminId }, { token: admin }))).toBe('FORBIDDEN');
      expect(errorCode(await t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: adminId }, { token: admin }))).toBe('FORBIDDEN');
      // Nothing was issued or reset.
      const issued: unknown[] = await t.app.get(DataSource).query('SELECT 1 FROM admin_backup_codes WHERE userId = ?', [adminId]);
      expect(issued).toEqual([]);
      expect((await t.gql(`{ me { twoFactor { enabled } } }`, {}, { token: admin })).data.me.twoFactor.enabled).toBe(true);
      const other = await newUser();
      expect((await t.gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: other.id }, { token: admin })).errors).toBeUndefined();
    });

    it('a sign-in with an admin-issued code never trusts the device', async () => {
      const admin = await adminWithMethod();
      const user = await newUser();
      await enrollApp(user.token);
      const { code } = ok(await t.gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: user.id }, { token: admin })).issueBackupCode;
      const pending = await signIn(t, user.email, PASSWORD);
      const verified = ok(
        await t.gql(`mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage trustedDeviceToken } }`, {
          input: { method: 'BACKUP_CODE', code, rememberDevice: true },
        }, { token: pending.sessionToken, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36' } }),
      ).verifyTwoFactor;
      expect(verified).toEqual({ stage: 'AUTHENTICATED', trustedDeviceToken: null });
      const devices: unknown[] = await t.app.get(DataSource).query('SELECT 1 FROM trusted_devices WHERE userId = ?', [user.id]);
      expect(devices).toEqual([]);
    });
  });

  describe('a policy that cannot be met is refused', () => {
    it('requiring 2FA with only EMAIL allowed and no mail server: BAD_USER_INPUT naming the field', async () => {
      const admin = await adminWithMethod();
      const onlyEmail = await t.gql(POLICY, { input: { requirement: 'REQUIRED_FOR_ALL', allowedMethods: ['EMAIL'] } }, { token: admin });
      expect(onlyEmail.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'requirement' });
      // With the app allowed it can be met.
      ok(await t.gql(POLICY, { input: { requirement: 'REQUIRED_FOR_ALL', allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP'] } }, { token: admin }));
      // Taking the app away again would leave nothing enrollable: refused, naming allowedMethods.
      const narrowed = await t.gql(POLICY, { input: { allowedMethods: ['EMAIL'] } }, { token: admin });
      expect(narrowed.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'allowedMethods' });
      expect((await t.app.get(PolicyService).get()).allowedMethods).toEqual(['EMAIL', 'AUTHENTICATOR_APP']);
      await t.app.get(PolicyService).save(defaults, t.clock.now());
    });

    it('requiring 2FA of admins while the admin who asks has none: REQUIRED_BY_POLICY, nothing changed', async () => {
      const other = await t.app.get(UsersService).create({ email: `second-admin${++counter}@example.com`, password: PASSWORD, role: Role.ADMIN });
      const token = (await t.app.get(SessionsService).open(other.id, SessionStage.AUTHENTICATED, CLIENT)).token;
      for (const requirement of ['REQUIRED_FOR_ADMINS', 'REQUIRED_FOR_ALL']) {
        expect(errorCode(await t.gql(POLICY, { input: { requirement } }, { token }))).toBe('REQUIRED_BY_POLICY');
      }
      expect((await t.app.get(PolicyService).get()).requirement).toBe('OPTIONAL');
      // Once they have a method it is accepted.
      await enrollApp(token);
      expect(ok(await t.gql(POLICY, { input: { requirement: 'REQUIRED_FOR_ADMINS' } }, { token })).updateTwoFactorPolicy.requirement).toBe(
        'REQUIRED_FOR_ADMINS',
      );
      await t.app.get(PolicyService).save(defaults, t.clock.now());
      void ADMIN_PASSWORD;
    });
  });
});
