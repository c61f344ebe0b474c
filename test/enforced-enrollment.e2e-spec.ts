import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { oathtoolCode } from './support/totp';

const UPDATE = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { requirement } }`;
const START_APP = `mutation { startAuthenticatorEnrollment { secret otpauthUri expiresAt } }`;
const CONFIRM_APP = `mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) {
  twoFactor { enabled methods } backupCodes session { stage sessionToken expiresAt user { id email } } } }`;
const STAGE = `{ currentSession { stage expiresAt } }`;
const PASSWORD = 'enforced-password';

/** Required 2FA: sign-in at PENDING_ENROLLMENT, enrollment from it, and sessions open when the requirement rises. */
describe('enforced enrollment', () => {
  let t: TestApp;
  let admin: string;
  let n = 0;

  const stageOf = async (token: string) => {
    const response = await t.gql(STAGE, {}, { token });
    return response.data?.currentSession?.stage ?? errorCode(response);
  };

  /** Turns the authenticator app on from `token`'s session with codes from oathtool; returns the secret and the result. */
  const enrollApp = async (token: string) => {
    const started = await t.gql(START_APP, {}, { token });
    expect(started.errors).toBeUndefined();
    const secret: string = started.data.startAuthenticatorEnrollment.secret;
    const confirmed = await t.gql(CONFIRM_APP, { code: oathtoolCode(secret, t.clock.now()) }, { token });
    expect(confirmed.errors).toBeUndefined();
    t.clock.advanceSeconds(30); // the next code is from a later time step
    return { secret, result: confirmed.data.confirmAuthenticatorEnrollment };
  };

  const newAgent = async (role = 'AGENT') => {
    const email = `enforced-${++n}@example.com`;
    const user = await createUser(t, admin, { email, password: PASSWORD, role });
    return { ...user, email };
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  it('REQUIRED_FOR_ALL: sign-in gives PENDING_ENROLLMENT; enrolling the app returns an AUTHENTICATED session and ends the pending one', async () => {
    // The admin enrolls first, so that raising the requirement leaves their own session as it is.
    const adminApp = await enrollApp(admin);
    expect(adminApp.result.session).toBeNull();
    expect((await t.gql(UPDATE, { input: { requirement: 'REQUIRED_FOR_ALL' } }, { token: admin })).errors).toBeUndefined();
    expect(await stageOf(admin)).toBe('AUTHENTICATED');

    const agent = await newAgent();
    const pending = await signIn(t, agent.email, PASSWORD);
    expect(pending.stage).toBe('PENDING_ENROLLMENT');
    expect(pending.user).toMatchObject({ id: agent.id });
    expect(await stageOf(pending.sessionToken)).toBe('PENDING_ENROLLMENT');
    expect((await t.gql(`{ me { email } }`, {}, { token: pending.sessionToken })).data.me.email).toBe(agent.email);
    expect(errorCode(await t.gql(`{ twoFactorPolicy { requirement } }`, {}, { token: pending.sessionToken }))).toBe('ENROLLMENT_REQUIRED');
    expect(errorCode(await t.gql(`{ trustedDevices { id } }`, {}, { token: pending.sessionToken }))).toBe('ENROLLMENT_REQUIRED');

    const { secret, result } = await enrollApp(pending.sessionToken);
    expect(result.twoFactor).toEqual({ enabled: true, methods: ['AUTHENTICATOR_APP'] });
    expect(result.backupCodes).toHaveLength(10);
    expect(result.session).toMatchObject({ stage: 'AUTHENTICATED', user: { id: agent.id, email: agent.email } });
    expect(result.session.sessionToken).not.toBe(pending.sessionToken);
    expect(await stageOf(pending.sessionToken)).toBe('UNAUTHENTICATED');
    const full = result.session.sessionToken as string;
    expect(await stageOf(full)).toBe('AUTHENTICATED');
    expect((await t.gql(`{ twoFactorPolicy { requirement } }`, {}, { token: full })).data.twoFactorPolicy.requirement).toBe('REQUIRED_FOR_ALL');

    // From now on the app is asked for at sign-in, and it cannot be turned off while the policy requires it.
    const next = await signIn(t, agent.email, PASSWORD);
    expect(next.stage).toBe('PENDING_TWO_FACTOR');
    const verified = await t.gql(
      `mutation($code: String!) { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code }) { stage } }`,
      { code: oathtoolCode(secret, t.clock.now()) },
      { token: next.sessionToken },
    );
    expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    const off = await t.gql(`mutation { disableTwoFactorMethod(method: AUTHENTICATOR_APP, password: "${PASSWORD}") { enabled } }`, {}, { token: full });
    expect(errorCode(off)).toBe('REQUIRED_BY_POLICY');

    // Cancel works at PENDING_ENROLLMENT too.
    const other = await newAgent();
    const cancelled = await signIn(t, other.email, PASSWORD);
    expect((await t.gql(`mutation { cancelSignIn }`, {}, { token: cancelled.sessionToken })).data.cancelSignIn).toBe(true);
    expect(await stageOf(cancelled.sessionToken)).toBe('UNAUTHENTICATED');

    await t.gql(UPDATE, { input: { requirement: 'OPTIONAL' } }, { token: admin });
  });

  it('REQUIRED_FOR_ADMINS asks only admins to enroll', async () => {
    const agent = await newAgent();
    const otherAdmin = await newAgent('ADMIN');
    await t.gql(UPDATE, { input: { requirement: 'REQUIRED_FOR_ADMINS' } }, { token: admin });
    try {
      const session = await signIn(t, agent.email, PASSWORD);
      expect(session.stage).toBe('AUTHENTICATED');
      await t.gql(`mutation { signOut }`, {}, { token: session.sessionToken });
      expect((await signIn(t, otherAdmin.email, PASSWORD)).stage).toBe('PENDING_ENROLLMENT');
    } finally {
      await t.gql(UPDATE, { input: { requirement: 'OPTIONAL' } }, { token: admin });
    }
  });

  it('raising the requirement moves open sessions of users without a method to PENDING_ENROLLMENT', async () => {
    const withoutMethod = await newAgent();
    const withMethod = await newAgent();
    const adminWithout = await newAgent('ADMIN');
    const plain = (await signIn(t, withoutMethod.email, PASSWORD)).sessionToken;
    const second = (await signIn(t, withoutMethod.email, PASSWORD)).sessionToken;
    const enrolled = (await signIn(t, withMethod.email, PASSWORD)).sessionToken;
    await enrollApp(enrolled);
    const bareAdmin = (await signIn(t, adminWithout.email, PASSWORD)).sessionToken;
    for (const token of [plain, second, enrolled, bareAdmin]) expect(await stageOf(token)).toBe('AUTHENTICATED');

    // Admins first: only the admin without a method is affected.
    await t.gql(UPDATE, { input: { requirement: 'REQUIRED_FOR_ADMINS' } }, { token: admin });
    expect(await stageOf(bareAdmin)).toBe('PENDING_ENROLLMENT');
    expect(errorCode(await t.gql(`{ users { items { id } } }`, {}, { token: bareAdmin }))).toBe('ENROLLMENT_REQUIRED');
    expect(await stageOf(plain)).toBe('AUTHENTICATED');
    expect(await stageOf(admin)).toBe('AUTHENTICATED');

    // Everyone: both sessions of the agent without a method, not the one with it.
    const before = t.clock.now();
    await t.gql(UPDATE, { input: { requirement: 'REQUIRED_FOR_ALL' } }, { token: admin });
    expect(await stageOf(plain)).toBe('PENDING_ENROLLMENT');
    expect(await stageOf(second)).toBe('PENDING_ENROLLMENT');
    expect(await stageOf(enrolled)).toBe('AUTHENTICATED');
    expect(await stageOf(admin)).toBe('AUTHENTICATED');
    const demoted = (await t.gql(STAGE, {}, { token: plain })).data.currentSession;
    expect(new Date(demoted.expiresAt).getTime()).toBeLessThanOrEqual(before.getTime() + 10 * 60_000);
    expect(errorCode(await t.gql(`{ twoFactorPolicy { requirement } }`, {}, { token: plain }))).toBe('ENROLLMENT_REQUIRED');
    expect((await t.gql(`{ me { id } }`, {}, { token: plain })).data.me.id).toBe(withoutMethod.id);

    const events = (await t.app.get(SecurityEventsService).list(null, 20, null)).items.filter((e) => e.type === 'POLICY_UPDATED');
    expect(JSON.parse(events[0].details!)).toMatchObject({ changed: ['requirement'], requirement: 'REQUIRED_FOR_ALL', sessionsDemoted: 2 });
    expect(JSON.parse(events[1].details!)).toMatchObject({ requirement: 'REQUIRED_FOR_ADMINS', sessionsDemoted: 1 });

    // The demoted session can enroll right away and gets a full session for it.
    const { result } = await enrollApp(plain);
    expect(result.session.stage).toBe('AUTHENTICATED');
    expect(await stageOf(result.session.sessionToken)).toBe('AUTHENTICATED');
    expect(await stageOf(plain)).toBe('UNAUTHENTICATED');

    // A demoted session that does nothing ends like any pending one.
    t.clock.advanceMinutes(11);
    expect(await stageOf(bareAdmin)).toBe('UNAUTHENTICATED');
    expect(await stageOf(second)).toBe('UNAUTHENTICATED');
    expect(await stageOf(enrolled)).toBe('AUTHENTICATED');

    // Lowering the requirement again demotes nobody.
    await t.gql(UPDATE, { input: { requirement: 'OPTIONAL' } }, { token: admin });
    expect(await stageOf(enrolled)).toBe('AUTHENTICATED');
  });

  it('the bootstrap admin signs in normally once the requirement is lowered', async () => {
    const again = await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(again.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
  });
});
