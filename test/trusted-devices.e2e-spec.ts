import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientInfo } from '../src/common/http/request-context';
import { PolicyService } from '../src/modules/policy/policy.service';
import { DEFAULT_POLICY } from '../src/modules/policy/policy.types';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { TrustedDevicesService } from '../src/modules/trusted-devices/trusted-devices.service';
import { adminToken, createUser, errorCode, signIn, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

export const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const CHROME_WINDOWS_NEWER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
export const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const client = (userAgent: string): ClientInfo => ({ ip: '127.0.0.1', userAgent });
const UPDATE = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { frequency trustedDeviceDays } }`;
const LIST = `{ trustedDevices { id label createdAt expiresAt lastUsedAt } }`;

describe('trusted devices (service and API)', () => {
  let t: TestApp;
  let admin: string;
  let devices: TrustedDevicesService;
  let n = 0;

  /** A fresh agent with an AUTHENTICATED session. */
  async function agent() {
    const email = `trusted-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: 'trusted-password' });
    const token = (await signIn(t, email, 'trusted-password')).sessionToken;
    return { id, email, token };
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    devices = t.app.get(TrustedDevicesService);
  });
  afterAll(async () => t?.close());

  it('trusts a browser for trustedDeviceDays, rotates the token on each use and keeps the first expiry', async () => {
    const user = await agent();
    const start = t.clock.now();
    const issued = await devices.trust(user.id, client(CHROME_WINDOWS));
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt.getTime() - start.getTime()).toBe(90 * 86_400_000);

    t.clock.advanceMinutes(60);
    // A browser update (major version) is the same browser.
    const second = await devices.redeem(user.id, issued.token, client(CHROME_WINDOWS_NEWER));
    expect(second).not.toBeNull();
    expect(second!.token).not.toBe(issued.token);
    expect(second!.expiresAt).toEqual(issued.expiresAt);
    // The old token was used up.
    expect(await devices.redeem(user.id, issued.token, client(CHROME_WINDOWS))).toBeNull();
    // Two racing uses of the same token: one wins.
    const race = await Promise.all([0, 1, 2].map(() => devices.redeem(user.id, second!.token, client(CHROME_WINDOWS))));
    expect(race.filter((r) => r !== null)).toHaveLength(1);

    const list = await t.gql(LIST, {}, { token: user.token });
    expect(list.errors).toBeUndefined();
    expect(list.data.trustedDevices).toEqual([
      {
        id: expect.any(String),
        label: 'Chrome on Windows',
        createdAt: start.toISOString(),
        expiresAt: issued.expiresAt.toISOString(),
        lastUsedAt: t.clock.now().toISOString(),
      },
    ]);
    const events = (await t.app.get(SecurityEventsService).list(user.id, 10, null)).items.filter((e) => e.type === 'TRUSTED_DEVICE_ADDED');
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].details!)).toMatchObject({ label: 'Chrome on Windows' });
    expect(events[0].details).not.toContain(issued.token);
  });

  it('asks again from another browser, another system, for another user, and with garbage', async () => {
    const user = await agent();
    const other = await agent();
    const { token } = await devices.trust(user.id, client(CHROME_WINDOWS));
    expect(await devices.redeem(user.id, token, client(FIREFOX_WINDOWS))).toBeNull();
    expect(await devices.redeem(user.id, token, client(CHROME_MAC))).toBeNull();
    expect(await devices.redeem(other.id, token, client(CHROME_WINDOWS))).toBeNull();
    expect(await devices.redeem(user.id, 'x'.repeat(43), client(CHROME_WINDOWS))).toBeNull();
    expect(await devices.redeem(user.id, 'x'.repeat(5000), client(CHROME_WINDOWS))).toBeNull();
    expect(await devices.redeem(user.id, '', client(CHROME_WINDOWS))).toBeNull();
    // None of those used it up.
    expect(await devices.redeem(user.id, token, client(CHROME_WINDOWS))).not.toBeNull();
  });

  it('asks again once the device expired, and when the admin shortens trustedDeviceDays', async () => {
    const user = await agent();
    const { token } = await devices.trust(user.id, client(CHROME_WINDOWS));
    t.clock.advanceMinutes(90 * 24 * 60 + 1);
    expect(await devices.redeem(user.id, token, client(CHROME_WINDOWS))).toBeNull();
    admin = await adminToken(t); // the old session idled out meanwhile

    const fresh = await agent();
    const kept = await devices.trust(fresh.id, client(CHROME_WINDOWS));
    t.clock.advanceMinutes(20 * 24 * 60);
    admin = await adminToken(t);
    await t.gql(UPDATE, { input: { trustedDeviceDays: 14 } }, { token: admin });
    expect(await devices.redeem(fresh.id, kept.token, client(CHROME_WINDOWS))).toBeNull();
    const listed = await t.gql(LIST, {}, { token: (await signIn(t, fresh.email, 'trusted-password')).sessionToken });
    expect(listed.data.trustedDevices).toEqual([]);
    await t.gql(UPDATE, { input: { trustedDeviceDays: 90 } }, { token: admin });
    expect(await devices.redeem(fresh.id, kept.token, client(CHROME_WINDOWS))).not.toBeNull();
  });

  it('revokes one device (NOT_FOUND for another user\'s or an unknown id) and all of them', async () => {
    const user = await agent();
    const other = await agent();
    const first = await devices.trust(user.id, client(CHROME_WINDOWS));
    const second = await devices.trust(user.id, client(FIREFOX_WINDOWS));
    const listed = (await t.gql(LIST, {}, { token: user.token })).data.trustedDevices as Array<{ id: string; label: string }>;
    expect(listed.map((d) => d.label).sort()).toEqual(['Chrome on Windows', 'Firefox on Windows']);
    const chrome = listed.find((d) => d.label === 'Chrome on Windows')!;

    const REVOKE = `mutation($id: ID!) { revokeTrustedDevice(id: $id) }`;
    expect(errorCode(await t.gql(REVOKE, { id: chrome.id }, { token: other.token }))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(REVOKE, { id: '3f1c7a52-0000-4000-8000-000000000000' }, { token: user.token }))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(REVOKE, { id: 'nonsense' }, { token: user.token }))).toBe('NOT_FOUND');
    // Revoked from the browser it trusted: that browser's cookie is cleared; another device's cookie is left alone.
    const fromChrome = await t.gql(REVOKE, { id: chrome.id }, { token: user.token, headers: { cookie: `twofold_td=${first.token}` } });
    expect(fromChrome.data.revokeTrustedDevice).toBe(true);
    expect(fromChrome.headers.get('set-cookie') ?? '').toMatch(/twofold_td=;.*Expires=Thu, 01 Jan 1970/i);
    expect(errorCode(await t.gql(REVOKE, { id: chrome.id }, { token: user.token }))).toBe('NOT_FOUND');
    expect(await devices.redeem(user.id, first.token, client(CHROME_WINDOWS))).toBeNull();
    expect((await t.gql(LIST, {}, { token: user.token })).data.trustedDevices).toHaveLength(1);

    const third = await devices.trust(user.id, client(CHROME_MAC));
    const firefoxCookie = { cookie: `twofold_td=${second.token}` };
    const mac = ((await t.gql(LIST, {}, { token: user.token })).data.trustedDevices as Array<{ id: string; label: string }>).find((d) => d.label !== 'Firefox on Windows')!;
    const notThisOne = await t.gql(REVOKE, { id: mac.id }, { token: user.token, headers: firefoxCookie });
    expect(notThisOne.headers.get('set-cookie')).toBeNull();
    expect(await devices.redeem(user.id, third.token, client(CHROME_MAC))).toBeNull();
    const all = await t.gql(`mutation { revokeAllTrustedDevices }`, {}, { token: user.token, headers: firefoxCookie });
    expect(all.data.revokeAllTrustedDevices).toBe(1);
    expect(all.headers.get('set-cookie') ?? '').toMatch(/twofold_td=;/);
    // A shared browser carrying another user's device keeps its cookie.
    const othersDevice = await devices.trust(other.id, client(CHROME_WINDOWS));
    await devices.trust(user.id, client(CHROME_WINDOWS));
    const shared = await t.gql(`mutation { revokeAllTrustedDevices }`, {}, { token: user.token, headers: { cookie: `twofold_td=${othersDevice.token}` } });
    expect(shared.data.revokeAllTrustedDevices).toBe(1);
    expect(shared.headers.get('set-cookie')).toBeNull();
    expect(await devices.redeem(other.id, othersDevice.token, client(CHROME_WINDOWS))).not.toBeNull();
    expect(await devices.redeem(user.id, second.token, client(FIREFOX_WINDOWS))).toBeNull();
    expect((await t.gql(`mutation { revokeAllTrustedDevices }`, {}, { token: user.token })).data.revokeAllTrustedDevices).toBe(0);
    const revoked = (await t.app.get(SecurityEventsService).list(user.id, 20, null)).items.filter((e) => e.type === 'TRUSTED_DEVICE_REVOKED');
    expect(revoked).toHaveLength(4);
  });

  it('EVERY_LOGIN: existing devices stop skipping and none can be added', async () => {
    const user = await agent();
    const { token } = await devices.trust(user.id, client(CHROME_WINDOWS));
    const change = await t.gql(UPDATE, { input: { frequency: 'EVERY_LOGIN' } }, { token: admin });
    expect(change.data.updateTwoFactorPolicy.frequency).toBe('EVERY_LOGIN');
    try {
      expect(await devices.redeem(user.id, token, client(CHROME_WINDOWS))).toBeNull();
      await expect(devices.trust(user.id, client(CHROME_WINDOWS))).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'rememberDevice' } });
    } finally {
      await t.gql(UPDATE, { input: { frequency: 'TRUSTED_DEVICE' } }, { token: admin });
    }
  });

  it('a password change forgets every device of the user', async () => {
    const user = await agent();
    const other = await agent();
    const mine = await devices.trust(user.id, client(CHROME_WINDOWS));
    const theirs = await devices.trust(other.id, client(CHROME_WINDOWS));
    const changed = await t.gql(`mutation { changePassword(currentPassword: "trusted-password", newPassword: "trusted-password-2") }`, {}, { token: user.token });
    expect(changed.errors).toBeUndefined();
    expect(await devices.redeem(user.id, mine.token, client(CHROME_WINDOWS))).toBeNull();
    expect((await t.gql(LIST, {}, { token: user.token })).data.trustedDevices).toEqual([]);
    expect(await devices.redeem(other.id, theirs.token, client(CHROME_WINDOWS))).not.toBeNull();
  });

  it('an admin reset forgets devices, ends sessions and records TWO_FACTOR_RESET', async () => {
    const user = await agent();
    const { token } = await devices.trust(user.id, client(CHROME_WINDOWS));
    const RESET = `mutation($userId: ID!) { resetTwoFactor(userId: $userId) { id email } }`;
    const reset = await t.gql(RESET, { userId: user.id }, { token: admin });
    expect(reset.errors).toBeUndefined();
    expect(reset.data.resetTwoFactor).toEqual({ id: user.id, email: user.email });
    expect(await devices.redeem(user.id, token, client(CHROME_WINDOWS))).toBeNull();
    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
    const adminId = (await t.gql(`{ me { id } }`, {}, { token: admin })).data.me.id;
    const events = (await t.app.get(SecurityEventsService).list(user.id, 10, null)).items;
    expect(events[0]).toMatchObject({ type: 'TWO_FACTOR_RESET', userId: user.id, actorId: adminId });
    expect(JSON.parse(events[0].details!)).toMatchObject({ trustedDevices: 1, sessionsEnded: 1 });

    expect(errorCode(await t.gql(RESET, { userId: '3f1c7a52-0000-4000-8000-000000000000' }, { token: admin }))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(RESET, { userId: user.id }, { token: (await agent()).token }))).toBe('FORBIDDEN');
  });

  it('the policy defaults are what trust() reads', async () => {
    expect((await t.app.get(PolicyService).get()).trustedDeviceDays).toBe(DEFAULT_POLICY.trustedDeviceDays);
  });
});

describe('trusted devices through sign-in ("Don\'t ask again")', () => {
  let t: TestApp;
  let admin: string;
  let n = 0;
  const PASSWORD = 'remember-password';
  const SIGN_IN_AS = `mutation($input: SignInInput!) { signIn(input: $input) {
    stage sessionToken trustedDeviceToken trustedDeviceExpiresAt challenge { methods rememberDeviceDays } } }`;
  const VERIFY = `mutation($code: String!, $remember: Boolean) {
    verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code, rememberDevice: $remember }) {
      stage sessionToken trustedDeviceToken trustedDeviceExpiresAt } }`;

  const ua = (userAgent: string, extra: Record<string, string> = {}) => ({ headers: { 'user-agent': userAgent, ...extra } });

  /** A user with the authenticator app on. */
  async function enrolledUser() {
    const email = `remember-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD });
    const token = (await signIn(t, email, PASSWORD)).sessionToken;
    const started = await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token });
    const secret: string = started.data.startAuthenticatorEnrollment.secret;
    const confirmed = await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { twoFactor { enabled } } }`, {
      code: oathtoolCode(secret, t.clock.now()),
    }, { token });
    expect(confirmed.data.confirmAuthenticatorEnrollment.twoFactor.enabled).toBe(true);
    t.clock.advanceSeconds(30);
    return { id, email, secret, token };
  }

  const signInFrom = (email: string, userAgent: string, trustedDeviceToken?: string, headers: Record<string, string> = {}) =>
    t.gql(SIGN_IN_AS, { input: { email, password: PASSWORD, trustedDeviceToken } }, ua(userAgent, headers));

  /** Signs in and answers the app code, remembering the device. */
  async function rememberedSignIn(user: { email: string; secret: string }, userAgent: string) {
    const pending = await signInFrom(user.email, userAgent);
    expect(pending.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    const verified = await t.gql(VERIFY, { code: oathtoolCode(user.secret, t.clock.now()), remember: true }, {
      token: pending.data.signIn.sessionToken,
      ...ua(userAgent),
    });
    t.clock.advanceSeconds(30);
    expect(verified.errors).toBeUndefined();
    return verified;
  }

  const smtp = new TestSmtpServer();

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('in production the trusted-device cookie is Secure, even on a request that reached the app over http', async () => {
    const user = await enrolledUser();
    const prod = await startTestApp({ env: { NODE_ENV: 'production', SMTP_URL: smtp.url }, database: t.database, clock: t.clock });
    try {
      const pending = await prod.gql(SIGN_IN_AS, { input: { email: user.email, password: PASSWORD } }, ua(CHROME_WINDOWS));
      const verified = await prod.gql(VERIFY, { code: oathtoolCode(user.secret, t.clock.now()), remember: true }, {
        token: pending.data.signIn.sessionToken,
        ...ua(CHROME_WINDOWS),
      });
      t.clock.advanceSeconds(30);
      expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
      expect(verified.headers.get('set-cookie') ?? '').toMatch(/twofold_td=.*; Secure/i);
    } finally {
      await prod.close();
    }
  });

  it('remembering the device sets an HttpOnly SameSite=Lax cookie; the next sign-in from that browser skips the code and rotates the token', async () => {
    const user = await enrolledUser();
    const pending = await signInFrom(user.email, CHROME_WINDOWS);
    expect(pending.data.signIn.challenge).toMatchObject({ rememberDeviceDays: 90 });
    const verified = await t.gql(VERIFY, { code: oathtoolCode(user.secret, t.clock.now()), remember: true }, {
      token: pending.data.signIn.sessionToken,
      ...ua(CHROME_WINDOWS),
    });
    t.clock.advanceSeconds(30);
    const first = verified.data.verifyTwoFactor;
    expect(first.stage).toBe('AUTHENTICATED');
    expect(first.trustedDeviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(first.trustedDeviceExpiresAt).getTime()).toBe(t.clock.now().getTime() - 30_000 + 90 * 86_400_000);
    const cookie = verified.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`twofold_td=${first.trustedDeviceToken}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    // The token in the input, from the same browser a version later: no code.
    const skipped = await signInFrom(user.email, CHROME_WINDOWS_NEWER, first.trustedDeviceToken);
    expect(skipped.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', challenge: null });
    const rotated = skipped.data.signIn.trustedDeviceToken;
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(first.trustedDeviceToken);
    expect(skipped.data.signIn.trustedDeviceExpiresAt).toBe(first.trustedDeviceExpiresAt);
    expect(skipped.headers.get('set-cookie') ?? '').toContain(`twofold_td=${rotated}`);

    // The used token asks again; the rotated one works, from the cookie too.
    expect((await signInFrom(user.email, CHROME_WINDOWS, first.trustedDeviceToken)).data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    const byCookie = await signInFrom(user.email, CHROME_WINDOWS, undefined, { cookie: `twofold_td=${rotated}` });
    expect(byCookie.data.signIn.stage).toBe('AUTHENTICATED');

    const listed = await t.gql(LIST, {}, { token: byCookie.data.signIn.sessionToken });
    expect(listed.data.trustedDevices).toEqual([expect.objectContaining({ label: 'Chrome on Windows', lastUsedAt: t.clock.now().toISOString() })]);

    // The user is told by email.
    const notice = await smtp.waitFor(user.email, { match: (m) => /new trusted device/.test(m.subject) });
    expect(notice.text).toContain('Chrome on Windows');
    expect(notice.text).not.toContain(first.trustedDeviceToken);
  });

  it('another browser, another system, another user\'s token, an expired or a revoked one all ask for the code', async () => {
    const user = await enrolledUser();
    const other = await enrolledUser();
    let token: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    const stage = async (email: string, userAgent: string, device: string) => (await signInFrom(email, userAgent, device)).data.signIn.stage;

    expect(await stage(user.email, FIREFOX_WINDOWS, token)).toBe('PENDING_TWO_FACTOR');
    expect(await stage(user.email, CHROME_MAC, token)).toBe('PENDING_TWO_FACTOR');
    expect(await stage(other.email, CHROME_WINDOWS, token)).toBe('PENDING_TWO_FACTOR');
    const stillGood = await signInFrom(user.email, CHROME_WINDOWS, token);
    expect(stillGood.data.signIn.stage).toBe('AUTHENTICATED');
    token = stillGood.data.signIn.trustedDeviceToken;

    // Revoked from the list.
    const session = stillGood.data.signIn.sessionToken;
    const [device] = (await t.gql(LIST, {}, { token: session })).data.trustedDevices;
    expect((await t.gql(`mutation($id: ID!) { revokeTrustedDevice(id: $id) }`, { id: device.id }, { token: session })).data.revokeTrustedDevice).toBe(true);
    expect(await stage(user.email, CHROME_WINDOWS, token)).toBe('PENDING_TWO_FACTOR');

    // Expired.
    const fresh: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    t.clock.advanceMinutes(90 * 24 * 60);
    admin = await adminToken(t);
    expect(await stage(user.email, CHROME_WINDOWS, fresh)).toBe('PENDING_TWO_FACTOR');
  });

  it('a refused trusted-device cookie (the device was revoked) is cleared at sign-in; a token in the input leaves cookies alone', async () => {
    const user = await enrolledUser();
    const token: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    expect((await t.gql(`mutation { revokeAllTrustedDevices }`, {}, { token: user.token })).data.revokeAllTrustedDevices).toBe(1);

    const byCookie = await signInFrom(user.email, CHROME_WINDOWS, undefined, { cookie: `twofold_td=${token}` });
    expect(byCookie.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    const cleared = byCookie.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/^twofold_td=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/i);
    expect(cleared).toMatch(/Path=\//);

    const byInput = await signInFrom(user.email, CHROME_WINDOWS, token);
    expect(byInput.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    expect(byInput.headers.get('set-cookie')).toBeNull();
  });

  it('EVERY_LOGIN refuses rememberDevice and stops existing devices from skipping', async () => {
    const user = await enrolledUser();
    const token: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    await t.gql(UPDATE, { input: { frequency: 'EVERY_LOGIN' } }, { token: admin });
    try {
      const pending = await signInFrom(user.email, CHROME_WINDOWS, token);
      expect(pending.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
      expect(pending.data.signIn.challenge.rememberDeviceDays).toBeNull();
      const refused = await t.gql(VERIFY, { code: oathtoolCode(user.secret, t.clock.now()), remember: true }, {
        token: pending.data.signIn.sessionToken,
        ...ua(CHROME_WINDOWS),
      });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rememberDevice' });
    } finally {
      await t.gql(UPDATE, { input: { frequency: 'TRUSTED_DEVICE' } }, { token: admin });
    }
    // Nothing was spent or rotated meanwhile: back on TRUSTED_DEVICE the device skips again.
    expect((await signInFrom(user.email, CHROME_WINDOWS, token)).data.signIn.stage).toBe('AUTHENTICATED');
  });

  it('turning off the last method and changing the password forget the devices', async () => {
    const user = await enrolledUser();
    const token: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    const off = await t.gql(`mutation { disableTwoFactorMethod(method: AUTHENTICATOR_APP, password: "${PASSWORD}") { enabled } }`, {}, { token: user.token });
    expect(off.data.disableTwoFactorMethod.enabled).toBe(false);
    expect((await t.gql(LIST, {}, { token: user.token })).data.trustedDevices).toEqual([]);
    expect(await t.app.get(TrustedDevicesService).redeem(user.id, token, client(CHROME_WINDOWS))).toBeNull();

    const second = await enrolledUser();
    const kept: string = (await rememberedSignIn(second, FIREFOX_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    await t.gql(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "${PASSWORD}-2") }`, {}, { token: second.token });
    const after = await t.gql(SIGN_IN_AS, { input: { email: second.email, password: `${PASSWORD}-2`, trustedDeviceToken: kept } }, ua(FIREFOX_WINDOWS));
    expect(after.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
  });

  it('an admin reset turns the methods off: the next sign-in needs no code and the old device token does nothing', async () => {
    const user = await enrolledUser();
    const token: string = (await rememberedSignIn(user, CHROME_WINDOWS)).data.verifyTwoFactor.trustedDeviceToken;
    const reset = await t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id twoFactor { enabled methods backupCodesRemaining } } }`, { id: user.id }, { token: admin });
    expect(reset.errors).toBeUndefined();
    expect(reset.data.resetTwoFactor.twoFactor).toEqual({ enabled: false, methods: [], backupCodesRemaining: 0 });
    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
    const next = await signInFrom(user.email, CHROME_WINDOWS, token);
    expect(next.data.signIn).toMatchObject({ stage: 'AUTHENTICATED', trustedDeviceToken: null });
    expect((await t.gql(LIST, {}, { token: next.data.signIn.sessionToken })).data.trustedDevices).toEqual([]);
    const notice = await smtp.waitFor(user.email, { match: (m) => /two-factor authentication reset/.test(m.subject) });
    expect(notice.text).toMatch(/administrator turned off two-factor authentication/);
  });
});
