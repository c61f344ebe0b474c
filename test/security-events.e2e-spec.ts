import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';

const BROWSER = 'EventsBrowser/1.0';
const ADDRESS = '198.51.100.23';
const PASSWORD = 'events-password-1';

interface Event {
  type: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: string | null;
}

/** The account events of the README's audit trail: who, from where, and nothing secret. */
describe('security events: USER_CREATED, SIGN_IN_FAILED, SIGNED_OUT, PASSWORD_CHANGED', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  const client = { 'user-agent': BROWSER, 'x-forwarded-for': ADDRESS };

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: '1' } });
    admin = await adminToken(t);
    adminId = (await t.gql(`{ me { id } }`, {}, { token: admin })).data.me.id;
  });
  afterAll(async () => t?.close());

  /** Every event of a type, newest first, as an admin sees them. */
  const events = async (type: string): Promise<Event[]> => {
    const response = await t.gql(`{ securityEvents(first: 100) { items { type userId actorId ip userAgent details } } }`, {}, { token: admin });
    expect(response.errors).toBeUndefined();
    return (response.data.securityEvents.items as Event[]).filter((e) => e.type === type);
  };

  it('USER_CREATED names the new user, the admin who created them and the role', async () => {
    const response = await t.gql(
      `mutation { createUser(input: { email: "created@example.com", password: "${PASSWORD}", role: AGENT }) { id } }`,
      {},
      { token: admin, headers: client },
    );
    const userId = response.data.createUser.id;
    expect(await events('USER_CREATED')).toEqual([{ type: 'USER_CREATED', userId, actorId: adminId, ip: ADDRESS, userAgent: BROWSER, details: JSON.stringify({ role: 'AGENT' }) }]);
  });

  it('SIGN_IN_FAILED for a wrong password names the user; for an unknown email no one; never the password', async () => {
    const user = await createUser(t, admin, { email: 'failed@example.com', password: PASSWORD });
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'failed@example.com', password: 'wrong-password-1' } }, { headers: client }))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'nobody@example.com', password: 'wrong-password-2' } }, { headers: client }))).toBe(
      'INVALID_CREDENTIALS',
    );
    const failed = await events('SIGN_IN_FAILED');
    expect(failed).toEqual([
      { type: 'SIGN_IN_FAILED', userId: null, actorId: null, ip: ADDRESS, userAgent: BROWSER, details: null },
      { type: 'SIGN_IN_FAILED', userId: user.id, actorId: null, ip: ADDRESS, userAgent: BROWSER, details: null },
    ]);
    expect(JSON.stringify(failed)).not.toMatch(/wrong-password/);

    // The right password records a success, not a failure.
    await signIn(t, 'failed@example.com', PASSWORD, client);
    expect(await events('SIGN_IN_FAILED')).toHaveLength(2);
  });

  it('SIGNED_OUT once, for the session that ended', async () => {
    const user = await createUser(t, admin, { email: 'leaving@example.com', password: PASSWORD });
    const token = (await signIn(t, 'leaving@example.com', PASSWORD)).sessionToken;
    expect((await t.gql(`mutation { signOut }`, {}, { token, headers: client })).data.signOut).toBe(true);
    expect(errorCode(await t.gql(`mutation { signOut }`, {}, { token, headers: client }))).toBe('UNAUTHENTICATED');
    expect(await events('SIGNED_OUT')).toEqual([{ type: 'SIGNED_OUT', userId: user.id, actorId: null, ip: ADDRESS, userAgent: BROWSER, details: null }]);
  });

  it('PASSWORD_CHANGED when the password changed, not when the current one was wrong; never a password', async () => {
    const user = await createUser(t, admin, { email: 'changing@example.com', password: PASSWORD });
    const token = (await signIn(t, 'changing@example.com', PASSWORD)).sessionToken;
    const change = (current: string) =>
      t.gql(`mutation($current: String!) { changePassword(currentPassword: $current, newPassword: "events-password-2") }`, { current }, { token, headers: client });
    expect(errorCode(await change('not-the-password'))).toBe('INVALID_CREDENTIALS');
    expect(await events('PASSWORD_CHANGED')).toEqual([]);
    expect((await change(PASSWORD)).data.changePassword).toBe(true);
    const changed = await events('PASSWORD_CHANGED');
    expect(changed).toEqual([{ type: 'PASSWORD_CHANGED', userId: user.id, actorId: null, ip: ADDRESS, userAgent: BROWSER, details: null }]);
    expect(JSON.stringify(changed)).not.toMatch(/events-password/);
  });
});
