import { ManualClock } from '@app/clock';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { createTestDatabase } from './support/database';
import { oathtoolCode } from './support/totp';

/** docs/production.md: to rotate APP_SECRET, put the old one in APP_SECRET_PREVIOUS. Nothing a user holds may break. */
describe('APP_SECRET rotation', () => {
  const apps: TestApp[] = [];
  const database = createTestDatabase();
  afterAll(async () => {
    for (const app of apps) await app.close();
    await (await database).drop();
  });

  it('sessions, authenticator secrets and backup codes made before the rotation keep working after it', async () => {
    const clock = new ManualClock(Date.now());
    const oldSecret = randomBytes(32).toString('base64');
    const start = async (env: Record<string, string>) => {
      const app = await startTestApp({ env, database: await database, clock });
      apps.push(app);
      return app;
    };

    const before = await start({ APP_SECRET: oldSecret });
    await createUser(before, await adminToken(before), { email: 'rotated@example.com', password: 'rotated-password' });
    const session = (await signIn(before, 'rotated@example.com', 'rotated-password')).sessionToken;
    const secret = (await before.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    const confirmed = await before.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, {
      code: oathtoolCode(secret, clock.now()),
    }, { token: session });
    const backupCodes: string[] = confirmed.data.confirmAuthenticatorEnrollment.backupCodes;
    await before.close();
    apps.pop();
    clock.advanceSeconds(30);

    const after = await start({ APP_SECRET: randomBytes(32).toString('base64'), APP_SECRET_PREVIOUS: oldSecret });
    expect((await after.gql(`{ me { email } }`, {}, { token: session })).data.me.email).toBe('rotated@example.com');
    const VERIFY = `mutation($method: TwoFactorMethod!, $code: String!) { verifyTwoFactor(input: { method: $method, code: $code }) { stage } }`;
    const pending = async () => (await after.gql(SIGN_IN, { input: { email: 'rotated@example.com', password: 'rotated-password' } })).data.signIn.sessionToken;
    const byApp = await after.gql(VERIFY, { method: 'AUTHENTICATOR_APP', code: oathtoolCode(secret, clock.now()) }, { token: await pending() });
    expect(byApp.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    const byBackup = await after.gql(VERIFY, { method: 'BACKUP_CODE', code: backupCodes[0] }, { token: await pending() });
    expect(byBackup.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');

    // Without the previous secret, what was sealed and hashed under it is gone: refused, never a crash.
    await after.close();
    apps.pop();
    const forgotten = await start({ APP_SECRET: randomBytes(32).toString('base64') });
    expect(errorCode(await forgotten.gql(`{ me { email } }`, {}, { token: session }))).toBe('UNAUTHENTICATED');
    const refused = await forgotten.gql(VERIFY, { method: 'BACKUP_CODE', code: backupCodes[1] }, {
      token: (await forgotten.gql(SIGN_IN, { input: { email: 'rotated@example.com', password: 'rotated-password' } })).data.signIn.sessionToken,
    });
    expect(errorCode(refused)).toBe('INVALID_CODE');
    const unreadable = await forgotten.gql(VERIFY, { method: 'AUTHENTICATOR_APP', code: oathtoolCode(secret, clock.now()) }, {
      token: (await forgotten.gql(SIGN_IN, { input: { email: 'rotated@example.com', password: 'rotated-password' } })).data.signIn.sessionToken,
    });
    // A secret that cannot be opened is a wrong code, counted like any (the backup code above was the first).
    expect(unreadable.errors![0].extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 3 });
  });
});
