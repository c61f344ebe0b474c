import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrollmentReminders } from '../src/modules/enrollment-reminders/enrollment-reminders.service';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, createUser, errorCode, signIn, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

const UPDATE = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { requirement enrollmentGraceDays } }`;
const STAGE = `{ currentSession { stage enrollmentDueAt } }`;
const PASSWORD = 'grace-password';
const DAY = 86_400_000;

/**
 * The grace period (GitHub/GitLab style): a user whom the requirement newly
 * covers and who has no method signs in AUTHENTICATED until enrollmentDueAt,
 * then PENDING_ENROLLMENT; reminders arrive by real SMTP when the grace
 * starts and a day before it ends, once each however many passes run.
 */
describe('enrollment grace period', () => {
  let t: TestApp;
  let admin: string;
  let adminSecret: string;
  /** When setPolicy last changed the policy. */
  let changedAt = 0;
  let n = 0;
  const smtp = new TestSmtpServer();

  /** The admin's session ends as the clock moves days ahead: a fresh one (password, then the app's code of a new time step). */
  const asAdmin = async () => {
    const pending = await signIn(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    if (pending.stage === 'AUTHENTICATED') return (admin = pending.sessionToken);
    t.clock.advanceSeconds(30);
    const verified = await t.gql(`mutation($code: String!) { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code }) { sessionToken } }`, {
      code: oathtoolCode(adminSecret, t.clock.now()),
    }, { token: pending.sessionToken });
    return (admin = verified.data.verifyTwoFactor.sessionToken);
  };
  const newUser = async (role = 'AGENT') => {
    const email = `grace-${++n}@example.com`;
    const token = await asAdmin();
    const createdAt = t.clock.now().getTime();
    const user = await createUser(t, token, { email, password: PASSWORD, role });
    return { ...user, email, createdAt };
  };
  const session = async (token: string) => {
    const response = await t.gql(STAGE, {}, { token });
    return response.data?.currentSession ?? { error: errorCode(response) };
  };
  const remind = () => t.app.get(EnrollmentReminders).runOnce();
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));
  /** Waits for the worker to deliver every message queued so far (a hang guard only). */
  const delivered = async (email: string, count: number) => {
    if (count === 0) return;
    await smtp.waitFor(email, { match: () => mailsTo(email).length >= count });
  };
  const setPolicy = async (input: Record<string, unknown>) => {
    const token = await asAdmin();
    changedAt = t.clock.now().getTime();
    const response = await t.gql(UPDATE, { input }, { token });
    expect(response.errors).toBeUndefined();
    return response.data.updateTwoFactorPolicy;
  };

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
    // The admin enrolls first: requiring 2FA of everyone needs the admin to have a method.
    adminSecret = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: admin })).data.startAuthenticatorEnrollment.secret;
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(adminSecret, t.clock.now()) }, { token: admin });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('enrollmentGraceDays is 0 by default and 0 to 90', async () => {
    expect((await t.gql(`{ twoFactorPolicy { enrollmentGraceDays } }`, {}, { token: admin })).data.twoFactorPolicy.enrollmentGraceDays).toBe(0);
    for (const days of [-1, 91]) {
      const refused = await t.gql(UPDATE, { input: { enrollmentGraceDays: days } }, { token: admin });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions!.field).toBe('enrollmentGraceDays');
    }
  });

  it('a user the requirement newly covers signs in AUTHENTICATED until the due date, with reminders at the start and a day before the end', async () => {
    const early = await newUser();
    const openBefore = (await signIn(t, early.email, PASSWORD)).sessionToken;
    expect(await setPolicy({ requirement: 'REQUIRED_FOR_ALL', enrollmentGraceDays: 14 })).toEqual({ requirement: 'REQUIRED_FOR_ALL', enrollmentGraceDays: 14 });
    const due = new Date(changedAt + 14 * DAY).toISOString();

    // Their open session keeps working: the grace runs.
    expect(await session(openBefore)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: due });
    const [policyEvent] = (await t.app.get(SecurityEventsService).list(null, 10, null, { types: ['POLICY_UPDATED'] })).items;
    expect(JSON.parse(policyEvent.details!)).toMatchObject({ sessionsDemoted: 0 });

    t.clock.advance(DAY);
    const during = await signIn(t, early.email, PASSWORD);
    expect(during.stage).toBe('AUTHENTICATED');
    expect(await session(during.sessionToken)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: due });
    // The admin has a method: no due date for them.
    expect(await session(await asAdmin())).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: null });

    // The first reminder, once, however many passes run at once.
    const counts = await Promise.all([remind(), remind(), remind()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await delivered(early.email, 1);
    const first = mailsTo(early.email);
    expect(first).toHaveLength(1);
    expect(first[0].subject).toMatch(/set up two-factor authentication by/);
    expect(first[0].text).toContain(`${due.slice(0, 16).replace('T', ' ')} UTC`);
    expect(await remind()).toBe(0);

    // Twelve days in: nothing new. Thirteen and a half: the last reminder, once.
    t.clock.set(changedAt + 12 * DAY);
    expect(await remind()).toBe(0);
    t.clock.set(changedAt + 13.5 * DAY);
    expect((await Promise.all([remind(), remind()])).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await delivered(early.email, 2);
    expect(mailsTo(early.email).map((m) => m.subject)).toEqual([first[0].subject, expect.stringMatching(/one day left/)]);
    expect(await remind()).toBe(0);

    // Past the due date: the next sign-in must enroll.
    t.clock.set(changedAt + 14 * DAY + 1000);
    const after = await signIn(t, early.email, PASSWORD);
    expect(after.stage).toBe('PENDING_ENROLLMENT');
    expect(await session(after.sessionToken)).toEqual({ stage: 'PENDING_ENROLLMENT', enrollmentDueAt: null });
    expect(await remind()).toBe(0);
    expect(mailsTo(early.email)).toHaveLength(2);
  });

  it('a user created under the requirement counts from their creation; a shorter grace demotes open sessions whose grace it ends', async () => {
    const late = await newUser();
    const token = (await signIn(t, late.email, PASSWORD)).sessionToken;
    expect(await session(token)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: new Date(late.createdAt + 14 * DAY).toISOString() });
    await remind();
    await delivered(late.email, 1);

    // Three days on, signed in within the grace; then the admin shortens it to two days.
    t.clock.advance(3 * DAY);
    expect(errorCode(await t.gql(STAGE, {}, { token }))).toBe('UNAUTHENTICATED'); // that one idled out
    const open = (await signIn(t, late.email, PASSWORD)).sessionToken;
    expect((await session(open)).stage).toBe('AUTHENTICATED');
    await setPolicy({ enrollmentGraceDays: 2 });
    expect((await session(open)).stage).toBe('PENDING_ENROLLMENT');
    const [policyEvent] = (await t.app.get(SecurityEventsService).list(null, 10, null, { types: ['POLICY_UPDATED'] })).items;
    expect(JSON.parse(policyEvent.details!).sessionsDemoted).toBeGreaterThanOrEqual(1);
    expect((await signIn(t, late.email, PASSWORD)).stage).toBe('PENDING_ENROLLMENT');
    await setPolicy({ enrollmentGraceDays: 14 });
  });

  it('covered no more, then again: the grace starts over; users with a method or disabled get no reminder', async () => {
    const user = await newUser();
    const enrolled = await newUser();
    const disabled = await newUser();
    t.clock.advance(20 * DAY);
    // Covered since creation, more than 14 days ago: no grace left.
    expect((await signIn(t, user.email, PASSWORD)).stage).toBe('PENDING_ENROLLMENT');
    const enrolledToken = (await signIn(t, enrolled.email, PASSWORD)).sessionToken;
    const secret = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: enrolledToken })).data.startAuthenticatorEnrollment.secret;
    expect((await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: enrolledToken })).errors).toBeUndefined();

    await setPolicy({ requirement: 'OPTIONAL' });
    expect((await signIn(t, user.email, PASSWORD)).stage).toBe('AUTHENTICATED');
    t.clock.advance(DAY);
    await setPolicy({ requirement: 'REQUIRED_FOR_ALL' });
    const again = changedAt;
    await t.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, { id: disabled.id }, { token: await asAdmin() });
    const token = (await signIn(t, user.email, PASSWORD)).sessionToken;
    expect(await session(token)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: new Date(again + 14 * DAY).toISOString() });

    const before = { user: mailsTo(user.email).length, enrolled: mailsTo(enrolled.email).length, disabled: mailsTo(disabled.email).length };
    expect(await remind()).toBeGreaterThanOrEqual(1);
    await delivered(user.email, before.user + 1);
    expect(mailsTo(user.email).at(-1)!.subject).toMatch(/set up two-factor authentication by/);
    // Every message queued so far has gone out (the worker sends in order): none for these two.
    expect(mailsTo(enrolled.email).filter((m) => /two-factor authentication by|one day left/.test(m.subject))).toHaveLength(0);
    expect(mailsTo(disabled.email).length).toBe(before.disabled);
  });

  it("a role the requirement covers starts the user's grace (REQUIRED_FOR_ADMINS); without a grace their open session must enroll", async () => {
    await setPolicy({ requirement: 'REQUIRED_FOR_ADMINS', enrollmentGraceDays: 0 });
    const agent = await newUser();
    const token = (await signIn(t, agent.email, PASSWORD)).sessionToken;
    expect(await session(token)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: null });
    await t.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: agent.id }, { token: await asAdmin() });
    expect((await session(token)).stage).toBe('PENDING_ENROLLMENT');

    await setPolicy({ enrollmentGraceDays: 7 });
    const other = await newUser();
    const otherToken = (await signIn(t, other.email, PASSWORD)).sessionToken;
    const adminNow = await asAdmin();
    const promotedAt = t.clock.now().getTime();
    await t.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: other.id }, { token: adminNow });
    expect(await session(otherToken)).toEqual({ stage: 'AUTHENTICATED', enrollmentDueAt: new Date(promotedAt + 7 * DAY).toISOString() });
  });
});
