import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionService } from '../src/modules/retention/retention.service';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { DOUBLE_SUBMIT_GRACE_SECONDS } from '../src/modules/trusted-devices/trusted-devices.service';
import { adminToken, createUser, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

/**
 * Contract header: "A replaced token that comes back means it was copied:
 * the device is revoked at once (the current token stops working too), a
 * TRUSTED_DEVICE_REUSED event is recorded and the user is emailed."
 */
describe('trusted devices: a copied token is noticed', () => {
  let t: TestApp;
  let admin: string;
  let n = 0;
  const smtp = new TestSmtpServer();
  const PASSWORD = 'reuse-password';
  const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken trustedDeviceToken } }`;
  const VERIFY = `mutation($code: String!) {
    verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code, rememberDevice: true }) { stage trustedDeviceToken } }`;

  const from = (userAgent: string) => ({ headers: { 'user-agent': userAgent } });
  const signInWith = async (email: string, device: string, userAgent = CHROME_WINDOWS) =>
    (await t.gql(SIGN_IN, { input: { email, password: PASSWORD, trustedDeviceToken: device } }, from(userAgent))).data.signIn;

  /** A user with the authenticator app on who trusted Chrome on Windows; answers the device token. */
  async function trustedUser() {
    const email = `reuse-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD });
    const session = (await t.gql(SIGN_IN, { input: { email, password: PASSWORD } })).data.signIn.sessionToken;
    const secret: string = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: session });
    t.clock.advanceSeconds(30);
    const pending = (await t.gql(SIGN_IN, { input: { email, password: PASSWORD } }, from(CHROME_WINDOWS))).data.signIn;
    const verified = await t.gql(VERIFY, { code: oathtoolCode(secret, t.clock.now()) }, { token: pending.sessionToken, ...from(CHROME_WINDOWS) });
    expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    t.clock.advanceSeconds(30);
    return { id, email, device: verified.data.verifyTwoFactor.trustedDeviceToken as string };
  }

  const reusedEvents = async (userId: string) =>
    (await t.app.get(SecurityEventsService).list(userId, 50, null)).items.filter((e) => e.type === 'TRUSTED_DEVICE_REUSED');
  const rowsOf = (table: string, userId: string) => t.app.get(DataSource).query(`SELECT * FROM ${table} WHERE userId = ?`, [userId]);

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('the old token presented after a use revokes the device: the new token no longer skips, the event is recorded, the user is emailed without any token', async () => {
    const user = await trustedUser();
    const first = user.device;
    const used = await signInWith(user.email, first);
    expect(used.stage).toBe('AUTHENTICATED');
    const current: string = used.trustedDeviceToken;
    expect(current).not.toBe(first);

    // Later, someone presents the copy of the replaced token.
    t.clock.advanceMinutes(5);
    const since = smtp.messages.length;
    expect((await signInWith(user.email, first)).stage).toBe('PENDING_TWO_FACTOR');

    // The device is gone: its current token asks for the code too.
    expect((await signInWith(user.email, current)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await rowsOf('trusted_devices', user.id)).toEqual([]);
    expect(await rowsOf('trusted_device_retired_tokens', user.id)).toEqual([]);

    const [event] = await reusedEvents(user.id);
    expect(event).toMatchObject({ type: 'TRUSTED_DEVICE_REUSED', userId: user.id, actorId: null, userAgent: CHROME_WINDOWS });
    expect(JSON.parse(event.details!)).toMatchObject({ label: 'Chrome on Windows' });
    expect(event.details).not.toContain(first);
    expect(event.details).not.toContain(current);
    expect(await reusedEvents(user.id)).toHaveLength(1);

    const notice = await smtp.waitFor(user.email, { since, match: (m) => /trusted device was copied/.test(m.subject) });
    expect(notice.text).toContain('Chrome on Windows');
    expect(notice.text).toMatch(/change your password/);
    for (const token of [first, current]) {
      expect(notice.raw).not.toContain(token);
      expect(notice.raw).not.toContain(token.slice(0, 16));
    }
  });

  it('a thief who used the copy first loses it when the real browser comes back with the token it still has', async () => {
    const user = await trustedUser();
    const stolen = await signInWith(user.email, user.device, CHROME_WINDOWS);
    expect(stolen.stage).toBe('AUTHENTICATED');

    t.clock.advanceMinutes(60);
    expect((await signInWith(user.email, user.device, CHROME_WINDOWS)).stage).toBe('PENDING_TWO_FACTOR');
    // The thief's rotated token is dead too.
    expect((await signInWith(user.email, stolen.trustedDeviceToken, CHROME_WINDOWS)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await reusedEvents(user.id)).toHaveLength(1);
  });

  it(`a double submit (the same browser, within ${DOUBLE_SUBMIT_GRACE_SECONDS} s) is refused without revoking; the same token from another browser revokes`, async () => {
    const user = await trustedUser();
    // Two tabs: the first rotates, the second arrives with the token just replaced.
    const firstTab = await signInWith(user.email, user.device);
    expect(firstTab.stage).toBe('AUTHENTICATED');
    t.clock.advanceSeconds(DOUBLE_SUBMIT_GRACE_SECONDS - 1);
    expect((await signInWith(user.email, user.device)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await reusedEvents(user.id)).toHaveLength(0);
    const next = await signInWith(user.email, firstTab.trustedDeviceToken);
    expect(next.stage).toBe('AUTHENTICATED');

    // Seconds later, but from Firefox: a copy.
    t.clock.advanceSeconds(1);
    expect((await signInWith(user.email, firstTab.trustedDeviceToken, FIREFOX_WINDOWS)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await reusedEvents(user.id)).toHaveLength(1);
    expect((await signInWith(user.email, next.trustedDeviceToken)).stage).toBe('PENDING_TWO_FACTOR');
  });

  it('the same browser past the grace revokes; a token of another user\'s device does nothing to it', async () => {
    const user = await trustedUser();
    const other = await trustedUser();
    const used = await signInWith(user.email, user.device);
    t.clock.advanceSeconds(DOUBLE_SUBMIT_GRACE_SECONDS);
    // A shared browser: another user signs in carrying this user's replaced token.
    expect((await signInWith(other.email, user.device)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await reusedEvents(user.id)).toHaveLength(0);
    expect(await reusedEvents(other.id)).toHaveLength(0);
    expect((await signInWith(user.email, user.device)).stage).toBe('PENDING_TWO_FACTOR');
    expect(await reusedEvents(user.id)).toHaveLength(1);
    expect((await signInWith(user.email, used.trustedDeviceToken)).stage).toBe('PENDING_TWO_FACTOR');
    // The other user's device is untouched.
    expect((await signInWith(other.email, other.device)).stage).toBe('AUTHENTICATED');
  });

  it('replaced tokens are kept per device, deleted with it, and by retention after its expiry', async () => {
    const user = await trustedUser();
    let token = user.device;
    for (let i = 0; i < 3; i++) {
      token = (await signInWith(user.email, token)).trustedDeviceToken;
      t.clock.advanceMinutes(1);
    }
    expect(await rowsOf('trusted_device_retired_tokens', user.id)).toHaveLength(3);
    // Stored as keyed hashes only.
    expect(JSON.stringify(await rowsOf('trusted_device_retired_tokens', user.id))).not.toContain(user.device);

    // Revoked by the user: the replaced tokens go with the device.
    const session = (await signInWith(user.email, token)).sessionToken;
    const [device] = (await t.gql(`{ trustedDevices { id } }`, {}, { token: session })).data.trustedDevices;
    await t.gql(`mutation($id: ID!) { revokeTrustedDevice(id: $id) }`, { id: device.id }, { token: session });
    expect(await rowsOf('trusted_device_retired_tokens', user.id)).toEqual([]);

    // Expired: retention deletes device and replaced tokens (a day after the expiry, like the device).
    const second = await trustedUser();
    await signInWith(second.email, second.device);
    expect(await rowsOf('trusted_device_retired_tokens', second.id)).toHaveLength(1);
    t.clock.advanceMinutes(91 * 24 * 60 + 1);
    const deleted = await t.app.get(RetentionService).runOnce();
    expect(deleted.trusted_device_retired_tokens).toBeGreaterThanOrEqual(1);
    expect(await rowsOf('trusted_device_retired_tokens', second.id)).toEqual([]);
    admin = await adminToken(t);
  });
});
