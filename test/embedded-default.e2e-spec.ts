import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionService } from '../src/modules/retention/retention.service';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { SoftwareAuthenticator } from './support/software-authenticator';

/** The `npm start` default: SQLite in a data folder, no MySQL. The SQL that counts and prunes must run there too. */
describe('embedded default (SQLite)', () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-embedded-'));

  beforeAll(async () => {
    t = await startTestApp({ embeddedDataDir: dataDir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in, slows password guessing, and prunes what expired', async () => {
    const admin = await adminToken(t);
    await createUser(t, admin, { email: 'local@example.com', password: 'local-password' });
    const attempt = () => t.gql(SIGN_IN, { input: { email: 'local@example.com', password: 'wrong-password' } });
    for (let i = 0; i < 5; i++) expect(errorCode(await attempt())).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await attempt())).toBe('RATE_LIMITED');
    t.clock.advanceSeconds(61);
    const token = (await signIn(t, 'local@example.com', 'local-password')).sessionToken;
    expect((await t.gql(`{ me { email } }`, {}, { token })).data.me.email).toBe('local@example.com');

    t.clock.advanceSeconds(400 * 24 * 3600);
    const deleted = await t.app.get(RetentionService).runOnce();
    // Throttle counts: both accounts and the client address.
    expect(deleted).toMatchObject({ sessions: 2, login_throttles: 3 });
    expect(deleted.security_events).toBeGreaterThan(0);
    expect(errorCode(await t.gql(`{ me { email } }`, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it('serves passkeys with no configuration: RP ID localhost, origin http://localhost:3000', async () => {
    await createUser(t, await adminToken(t), { email: 'local-passkey@example.com', password: 'local-password' });
    const token = (await signIn(t, 'local-passkey@example.com', 'local-password')).sessionToken;
    const device = new SoftwareAuthenticator({ origin: 'http://localhost:3000', rpId: 'localhost' });
    const { options } = (await t.gql(`mutation { startPasskeyEnrollment { options } }`, {}, { token })).data.startPasskeyEnrollment;
    expect(options.rp.id).toBe('localhost');
    const confirmed = await t.gql(`mutation($c: JSON!) { confirmPasskeyEnrollment(credential: $c) { twoFactor { methods } } }`, { c: device.create(options) }, { token });
    expect(confirmed.data?.confirmPasskeyEnrollment.twoFactor.methods).toEqual(['PASSKEY']);
    for (let use = 0; use < 2; use++) {
      const { challengeId, options: request } = (await t.gql(`mutation { startPasskeySignIn { challengeId options } }`)).data.startPasskeySignIn;
      const signedIn = await t.gql(`mutation($input: PasskeySignInInput!) { signInWithPasskey(input: $input) { stage } }`, {
        input: { challengeId, credential: device.get(request) },
      });
      expect(signedIn.data?.signInWithPasskey.stage).toBe('AUTHENTICATED');
    }
  });

  it("runs the admin's filtered pages, their count and disabling", async () => {
    const admin = await adminToken(t);
    const { id } = await createUser(t, admin, { email: 'filtered@example.com', password: 'local-password' });
    await createUser(t, admin, { email: 'other@example.com', password: 'local-password', role: 'ADMIN' });
    expect((await t.gql(`mutation($id: ID!) { disableUser(id: $id) { disabled } }`, { id }, { token: admin })).data.disableUser.disabled).toBe(true);
    const page = await t.gql(`{ users(role: AGENT, disabled: true, twoFactorEnabled: false, first: 1) { totalCount items { email } nextCursor } }`, {}, { token: admin });
    expect(page.data.users).toEqual({ totalCount: 1, items: [{ email: 'filtered@example.com' }], nextCursor: null });
    const admins = await t.gql(`{ users(role: ADMIN, first: 1) { totalCount items { email } nextCursor } }`, {}, { token: admin });
    expect(admins.data.users.totalCount).toBe(2);
    const next = await t.gql(`query($after: String) { users(role: ADMIN, first: 1, after: $after) { items { email } } }`, { after: admins.data.users.nextCursor }, { token: admin });
    expect([admins.data.users.items[0].email, next.data.users.items[0].email]).toEqual(['other@example.com', 'admin@example.com']);
    const events = await t.gql(`{ securityEvents(types: ["USER_DISABLED", "USER_CREATED"], first: 10) { items { type } } }`, {}, { token: admin });
    // Newest first: the disabling, then the users created (the file's other tests create some too).
    const types = events.data.securityEvents.items.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('USER_DISABLED');
    expect(types.slice(1).every((type: string) => type === 'USER_CREATED')).toBe(true);
    expect(types.length).toBeGreaterThanOrEqual(3);
  });
});
