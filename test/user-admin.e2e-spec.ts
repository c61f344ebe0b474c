import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { TrustedDevicesService } from '../src/modules/trusted-devices/trusted-devices.service';
import { UserAdminService } from '../src/modules/user-admin/user-admin.service';
import { adminToken, createUser, errorCode, SIGN_IN, signIn, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

const PASSWORD = 'admin-ops-password';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const DISABLE = `mutation($id: ID!) { disableUser(id: $id) { id disabled } }`;
const ENABLE = `mutation($id: ID!) { enableUser(id: $id) { id disabled } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id displayName role } }`;
const UNLOCK = `mutation($id: ID!) { unlockUser(id: $id) { id lockedUntil } }`;
const USER = `query($id: ID!) { user(id: $id) { id disabled lockedUntil lastSignInAt role displayName } }`;
const ME = `{ me { id } }`;

/**
 * Holds every call of `target[method]` at its start until `count` calls
 * arrived, then lets them all run the real method together: requests that
 * passed the guard enter the service side by side, so only the service's
 * own locking can order them.
 */
function holdBefore<T extends object>(target: T, method: keyof T & string, count: number): { restore(): void } {
  const holder = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = holder[method];
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const guard = setTimeout(release, 20_000); // a hang guard only
  holder[method] = async function (this: unknown, ...args: unknown[]) {
    if (++arrived >= count) release();
    await released;
    return original.apply(this, args);
  };
  return {
    restore() {
      clearTimeout(guard);
      holder[method] = original;
      release();
    },
  };
}

describe('admin operations on accounts', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let n = 0;
  const smtp = new TestSmtpServer();

  const eventsOf = async (userId: string, type: string) =>
    (await t.app.get(SecurityEventsService).list(userId, 100, null, { types: [type] })).items;

  async function agent(role: Role = Role.AGENT) {
    const email = `ops-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD, role });
    return { id, email };
  }

  async function signedInAdmin() {
    const user = await agent(Role.ADMIN);
    return { ...user, token: (await signIn(t, user.email, PASSWORD)).sessionToken };
  }

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
    adminId = (await t.gql(ME, {}, { token: admin })).data.me.id;
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('disabling ends every session and trusted device at once; the right password then answers ACCOUNT_DISABLED, a wrong one INVALID_CREDENTIALS', async () => {
    const user = await agent();
    const first = await signIn(t, user.email, PASSWORD);
    const second = await signIn(t, user.email, PASSWORD, { 'user-agent': CHROME });
    const device = await t.app.get(TrustedDevicesService).trust(user.id, { ip: '127.0.0.1', userAgent: CHROME });

    const disabled = await t.gql(DISABLE, { id: user.id }, { token: admin });
    expect(disabled.data.disableUser).toEqual({ id: user.id, disabled: true });
    for (const token of [first.sessionToken, second.sessionToken]) expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    expect(await t.app.get(TrustedDevicesService).countTrusted(user.id)).toBe(0);

    const right = await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
    expect(errorCode(right)).toBe('ACCOUNT_DISABLED');
    const withDevice = await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD, trustedDeviceToken: device.token } }, { headers: { 'user-agent': CHROME } });
    expect(errorCode(withDevice)).toBe('ACCOUNT_DISABLED');
    // Nothing tells a guesser the account exists, let alone that it is disabled.
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: 'not-the-password' } }))).toBe('INVALID_CREDENTIALS');

    const [event] = await eventsOf(user.id, 'USER_DISABLED');
    expect(event).toMatchObject({ userId: user.id, actorId: adminId });
    expect(JSON.parse(event.details!)).toEqual({ sessionsEnded: 2, by: 'admin' });
    expect((await t.gql(USER, { id: user.id }, { token: admin })).data.user.disabled).toBe(true);

    // Disabling again changes nothing and records nothing.
    expect((await t.gql(DISABLE, { id: user.id }, { token: admin })).data.disableUser.disabled).toBe(true);
    expect(await eventsOf(user.id, 'USER_DISABLED')).toHaveLength(1);
  });

  it('a session opened for a disabled user (a sign-in racing the disabling) is never live', async () => {
    const user = await agent();
    await t.gql(DISABLE, { id: user.id }, { token: admin });
    const { token } = await t.app.get(SessionsService).open(user.id, SessionStage.AUTHENTICATED, { ip: '127.0.0.1', userAgent: 'race' });
    expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it('a disabled user with 2FA is refused before any code is sent or checked', async () => {
    const user = await agent();
    const session = (await signIn(t, user.email, PASSWORD)).sessionToken;
    const secret: string = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: session });
    const pending = await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
    expect(pending.data.signIn.stage).toBe('PENDING_TWO_FACTOR');

    await t.gql(DISABLE, { id: user.id }, { token: admin });
    t.clock.advanceSeconds(30);
    // The pending sign-in ended with the rest.
    const verify = await t.gql(`mutation($code: String!) { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code }) { stage } }`, {
      code: oathtoolCode(secret, t.clock.now()),
    }, { token: pending.data.signIn.sessionToken });
    expect(errorCode(verify)).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }))).toBe('ACCOUNT_DISABLED');
  });

  it('enableUser lets them sign in again, recorded with the admin as actor', async () => {
    const user = await agent();
    await t.gql(DISABLE, { id: user.id }, { token: admin });
    const enabled = await t.gql(ENABLE, { id: user.id }, { token: admin });
    expect(enabled.data.enableUser).toEqual({ id: user.id, disabled: false });
    expect((await signIn(t, user.email, PASSWORD)).stage).toBe('AUTHENTICATED');
    const [event] = await eventsOf(user.id, 'USER_ENABLED');
    expect(event).toMatchObject({ userId: user.id, actorId: adminId });
    // Enabling an enabled user records nothing.
    await t.gql(ENABLE, { id: user.id }, { token: admin });
    expect(await eventsOf(user.id, 'USER_ENABLED')).toHaveLength(1);
    expect(errorCode(await t.gql(ENABLE, { id: '00000000-0000-4000-8000-000000000000' }, { token: admin }))).toBe('NOT_FOUND');
  });

  it('a hostile admin can neither disable themselves nor change their own role; their own name is theirs to change', async () => {
    const self = await t.gql(DISABLE, { id: adminId }, { token: admin });
    expect(errorCode(self)).toBe('BAD_USER_INPUT');
    expect(self.errors![0].extensions!.field).toBe('id');
    const demote = await t.gql(UPDATE, { id: adminId, input: { role: 'AGENT' } }, { token: admin });
    expect(errorCode(demote)).toBe('BAD_USER_INPUT');
    expect(demote.errors![0].extensions!.field).toBe('role');
    expect((await t.gql(USER, { id: adminId }, { token: admin })).data.user).toMatchObject({ role: 'ADMIN', disabled: false });
    const renamed = await t.gql(UPDATE, { id: adminId, input: { displayName: '  Chief  ', role: 'ADMIN' } }, { token: admin });
    expect(renamed.data.updateUser).toMatchObject({ displayName: 'Chief', role: 'ADMIN' });
    // An agent cannot do any of it.
    const someone = await agent();
    const agentToken = (await signIn(t, someone.email, PASSWORD)).sessionToken;
    for (const [doc, vars] of [[DISABLE, { id: adminId }], [UPDATE, { id: someone.id, input: { role: 'ADMIN' } }], [UNLOCK, { id: someone.id }]] as const) {
      expect(errorCode(await t.gql(doc, vars, { token: agentToken }))).toBe('FORBIDDEN');
    }
  });

  it('never leaves no enabled ADMIN: disabling or demoting the last one is BAD_USER_INPUT', async () => {
    // Only an actor who is not an ADMIN can reach the last one (an integrator's role with the permission): the rule holds for them too.
    const helper = await agent();
    const service = t.app.get(UserAdminService);
    const others = await t.gql(`{ users(role: ADMIN, disabled: false) { items { id } } }`, {}, { token: admin });
    for (const { id } of others.data.users.items) if (id !== adminId) await service.disable(id, null, null);
    const actor = { id: helper.id, mayAct: () => true };
    await expect(service.disable(adminId, actor, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'id' } });
    await expect(service.update(adminId, { role: Role.AGENT }, actor, null)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'role' } });
    // With a second enabled admin, the same change goes through.
    const second = await agent(Role.ADMIN);
    expect((await service.update(second.id, { role: Role.AGENT }, actor, null)).role).toBe(Role.AGENT);
    expect((await service.disable(second.id, actor, null)).disabled).toBe(true);
  });

  it('two admins disabling each other at once: exactly one succeeds, the other finds itself disabled', async () => {
    for (let round = 0; round < 3; round++) {
      const [x, y] = [await signedInAdmin(), await signedInAdmin()];
      const hold = holdBefore(t.app.get(UserAdminService), 'disable', 2);
      try {
        const [a, b] = await Promise.all([t.gql(DISABLE, { id: y.id }, { token: x.token }), t.gql(DISABLE, { id: x.id }, { token: y.token })]);
        const codes = [a, b].map((r) => (r.errors ? errorCode(r) : 'OK')).sort();
        expect(codes).toEqual(['OK', 'UNAUTHENTICATED']);
      } finally {
        hold.restore();
      }
      const states = await Promise.all([x, y].map(async (u) => (await t.gql(USER, { id: u.id }, { token: admin })).data.user.disabled));
      expect(states.sort()).toEqual([false, true]);
    }
  });

  it('two admins demoting each other at once: exactly one succeeds', async () => {
    const [x, y] = [await signedInAdmin(), await signedInAdmin()];
    const hold = holdBefore(t.app.get(UserAdminService), 'update', 2);
    try {
      const [a, b] = await Promise.all([
        t.gql(UPDATE, { id: y.id, input: { role: 'AGENT' } }, { token: x.token }),
        t.gql(UPDATE, { id: x.id, input: { role: 'AGENT' } }, { token: y.token }),
      ]);
      expect([a, b].map((r) => (r.errors ? errorCode(r) : 'OK')).sort()).toEqual(['FORBIDDEN', 'OK']);
    } finally {
      hold.restore();
    }
  });

  it('updateUser changes the name and the role, recorded as USER_UPDATED with what changed', async () => {
    const user = await agent();
    const updated = await t.gql(UPDATE, { id: user.id, input: { displayName: 'Dana Agent', role: 'ADMIN' } }, { token: admin });
    expect(updated.data.updateUser).toEqual({ id: user.id, displayName: 'Dana Agent', role: 'ADMIN' });
    const [event] = await eventsOf(user.id, 'USER_UPDATED');
    expect(event.actorId).toBe(adminId);
    expect(JSON.parse(event.details!)).toEqual({ changed: ['displayName', 'role'], role: 'ADMIN', previousRole: 'AGENT' });
    // An empty name removes it; nothing to change records nothing.
    expect((await t.gql(UPDATE, { id: user.id, input: { displayName: '' } }, { token: admin })).data.updateUser.displayName).toBeNull();
    await t.gql(UPDATE, { id: user.id, input: {} }, { token: admin });
    expect(await eventsOf(user.id, 'USER_UPDATED')).toHaveLength(2);
    const long = await t.gql(UPDATE, { id: user.id, input: { displayName: 'x'.repeat(101) } }, { token: admin });
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(UPDATE, { id: 'nope', input: { role: 'ADMIN' } }, { token: admin }))).toBe('NOT_FOUND');
  });

  it('unlockUser ends a lockout (User.lockedUntil) and clears the failures, as USER_UNLOCKED', async () => {
    const user = await agent();
    const session = (await signIn(t, user.email, PASSWORD)).sessionToken;
    const secret: string = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(secret, t.clock.now()) }, { token: session });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const pending = await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } });
      await t.gql(`mutation { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: "000000" }) { stage } }`, {}, { token: pending.data.signIn.sessionToken });
      t.clock.advanceMinutes(5);
    }
    const locked = (await t.gql(USER, { id: user.id }, { token: admin })).data.user;
    expect(new Date(locked.lockedUntil).getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }))).toBe('ACCOUNT_LOCKED');

    const unlocked = await t.gql(UNLOCK, { id: user.id }, { token: admin });
    expect(unlocked.data.unlockUser).toEqual({ id: user.id, lockedUntil: null });
    const next = await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { stage challenge { attemptsRemaining } } }`, {
      input: { email: user.email, password: PASSWORD },
    });
    expect(next.data.signIn).toEqual({ stage: 'PENDING_TWO_FACTOR', challenge: { attemptsRemaining: 5 } });
    const [event] = await eventsOf(user.id, 'USER_UNLOCKED');
    expect(event.actorId).toBe(adminId);
    expect(JSON.parse(event.details!)).toMatchObject({ by: 'admin', wasLocked: true });
  });

  it('lastSignInAt is when the user last reached AUTHENTICATED; lockedUntil is null for a page of users with one query', async () => {
    const user = await agent();
    expect((await t.gql(USER, { id: user.id }, { token: admin })).data.user.lastSignInAt).toBeNull();
    t.clock.advanceMinutes(3);
    const at = t.clock.now().toISOString();
    await signIn(t, user.email, PASSWORD);
    expect((await t.gql(USER, { id: user.id }, { token: admin })).data.user.lastSignInAt).toBe(at);
    const page = await t.gql(`{ users(first: 100) { items { id lockedUntil lastSignInAt } } }`, {}, { token: admin });
    expect(page.errors).toBeUndefined();
    expect(page.data.users.items.find((u: { id: string }) => u.id === user.id)).toEqual({ id: user.id, lockedUntil: null, lastSignInAt: at });
  });
});
