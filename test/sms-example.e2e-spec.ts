import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { RetentionService } from '../src/modules/retention/retention.service';
import { UsersService } from '../src/modules/users/users.service';
import { adminToken, errorCode, GraphQLResponse, SIGN_IN, startTestApp, TestApp } from './support/app';
import { gateway, SMS, SmsTestModule } from './support/sms-method';

/**
 * examples/sms, an integrator's method built only from the public barrel,
 * gets everything the core gives every method: the policy's allowedMethods,
 * the one attempt gate at enrollment and at sign-in, backup codes with the
 * first method, sentTo masking, its own table, migration and retention rule.
 */
const PASSWORD = 'sms-example-password-1';
const CLIENT = { ip: '127.0.0.1', userAgent: 'sms-example-test' };
const PHONE = '+15550100042';
const START = `mutation($phone: String!) { startSmsEnrollment(phone: $phone) { sentTo expiresAt resendAvailableAt } }`;
const CONFIRM = `mutation($code: String!) { confirmSmsEnrollment(code: $code) { backupCodes twoFactor { methods preferredMethod } } }`;
const POLICY = `mutation($methods: [TwoFactorMethod!]) { updateTwoFactorPolicy(input: { allowedMethods: $methods }) { allowedMethods } }`;
const VERIFY = `mutation($code: String) { verifyTwoFactor(input: { method: SMS, code: $code }) { stage } }`;

function wrong(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, '0');
}

function ok<T = any>(response: GraphQLResponse<T>): T {
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

describe('examples/sms: a method added from outside the core', () => {
  let t: TestApp;
  let admin: string;
  let user: { id: string; email: string; token: string };

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMITS: 'off' }, imports: [SmsTestModule] });
    admin = await adminToken(t);
    const created = await t.app.get(UsersService).create({ email: 'texted@example.com', password: PASSWORD, role: Role.AGENT });
    user = { id: created.id, email: created.email, token: (await t.app.get(SessionsService).open(created.id, SessionStage.AUTHENTICATED, CLIENT)).token };
  });
  afterAll(async () => t?.close());

  it('its migration made its tables, and the GraphQL enum has SMS', async () => {
    const tables: Array<Record<string, string>> = await t.app.get(DataSource).query(`SHOW TABLES LIKE 'sms_%'`);
    expect(tables.map((row) => Object.values(row)[0]).sort()).toEqual(['sms_codes', 'sms_phones']);
    const values = ok(await t.gql(`{ __type(name: "TwoFactorMethod") { enumValues { name } } }`)).__type.enumValues.map((v: { name: string }) => v.name);
    expect(values).toContain(SMS);
  });

  it('is refused until the policy allows it; its own input is validated', async () => {
    expect(errorCode(await t.gql(START, { phone: PHONE }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
    expect(ok(await t.gql(POLICY, { methods: ['EMAIL', 'AUTHENTICATOR_APP', SMS] }, { token: admin })).updateTwoFactorPolicy.allowedMethods).toContain(SMS);
    const bad = await t.gql(START, { phone: '12345' }, { token: user.token });
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });
  });

  it('enrolls through the core flow: masked destination, the attempt gate, backup codes with the first method', async () => {
    const started = ok(await t.gql(START, { phone: PHONE }, { token: user.token })).startSmsEnrollment;
    expect(started.sentTo).toBe('+15***42');
    const code = gateway(t).lastCodeTo(PHONE);
    expect(errorCode(await t.gql(CONFIRM, { code: wrong(code) }, { token: user.token }))).toBe('INVALID_CODE');
    expect(errorCode(await t.gql(CONFIRM, { code: wrong(code, 2) }, { token: user.token }))).toBe('INVALID_CODE');
    const third = await t.gql(CONFIRM, { code: wrong(code, 3) }, { token: user.token });
    expect(third.errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 2, retryAfterSeconds: 300 });
    expect(errorCode(await t.gql(CONFIRM, { code }, { token: user.token }))).toBe('TOO_MANY_ATTEMPTS');
    t.clock.advanceMinutes(5);
    const confirmed = ok(await t.gql(CONFIRM, { code }, { token: user.token })).confirmSmsEnrollment;
    expect(confirmed.backupCodes).toHaveLength(10);
    expect(confirmed.twoFactor).toEqual({ methods: [SMS], preferredMethod: SMS });
  });

  it('signs in: sentTo is the masked phone (never emailSentTo); wrong codes lock the account at the fifth', async () => {
    const pending = ok(
      await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken challenge { methods sentTo emailSentTo attemptsRemaining } } }`, {
        input: { email: user.email, password: PASSWORD },
      }),
    ).signIn;
    expect(pending).toMatchObject({ stage: 'PENDING_TWO_FACTOR', challenge: { methods: [SMS, 'BACKUP_CODE'], sentTo: '+15***42', emailSentTo: null, attemptsRemaining: 5 } });
    const code = gateway(t).lastCodeTo(PHONE);
    const answers: Array<string | undefined> = [];
    for (let i = 1; i <= 4; i++) {
      answers.push(errorCode(await t.gql(VERIFY, { code: wrong(code, i) }, { token: pending.sessionToken })));
      if (i >= 3) t.clock.advanceMinutes(5); // the cooldowns
    }
    // A new sign-in (the pending session lives ten minutes) keeps the count: the fifth wrong code locks.
    const next = ok(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } })).signIn;
    answers.push(errorCode(await t.gql(VERIFY, { code: wrong(gateway(t).lastCodeTo(PHONE)) }, { token: next.sessionToken })));
    expect(answers).toEqual(['INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'ACCOUNT_LOCKED']);
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }))).toBe('ACCOUNT_LOCKED');
    t.clock.advanceMinutes(30);
    const again = ok(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } })).signIn;
    expect(ok(await t.gql(VERIFY, { code: gateway(t).lastCodeTo(PHONE) }, { token: again.sessionToken })).verifyTwoFactor.stage).toBe('AUTHENTICATED');
  });

  it('its retention rule deletes its expired codes', async () => {
    t.clock.advanceMinutes(2 * 24 * 60);
    expect((await t.app.get(RetentionService).runOnce()).sms_codes).toBeGreaterThan(0);
    const left: Array<{ n: number }> = await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM sms_codes');
    expect(Number(left[0].n)).toBe(0);
  });
});
