import { ManualClock } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyRingService } from '../src/common/security/key-ring/key-ring.service';
import { loadConfig } from '../src/config/app-config';
import { RetentionService } from '../src/modules/retention/retention.service';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { runCommand } from './support/command-line';
import { createTestDatabase, TestDatabase } from './support/database';
import { TestSmtpServer } from './support/smtp';
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

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const PASSWORD = 'rotation-password';
const VERIFY = `mutation($method: TwoFactorMethod!, $code: String!, $remember: Boolean) {
  verifyTwoFactor(input: { method: $method, code: $code, rememberDevice: $remember }) { stage sessionToken trustedDeviceToken trustedDeviceExpiresAt } }`;
const SIGN_IN_WITH_DEVICE = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken trustedDeviceToken } }`;
const UPDATE_SMTP = `mutation($input: SmtpSettingsInput!) { updateSmtpSettings(input: $input) { passwordSet } }`;
const SEND_TEST = `mutation($to: String!) { sendTestEmail(to: $to) }`;
const SMTP_USER = 'twofold-mailer';
const SMTP_PASSWORD = 'smtp-password-sealed-at-rest';

/** What every sealed column holds, for checking which secret sealed it. */
async function sealedValues(app: TestApp): Promise<Record<string, string[]>> {
  const q = (sql: string) => app.app.get(DataSource).query(sql) as Promise<Array<{ v: string }>>;
  const values = async (sql: string) => (await q(sql)).map((row) => row.v);
  return {
    authenticator: await values('SELECT sealedSecret AS v FROM authenticator_secrets'),
    pending: await values('SELECT sealedState AS v FROM two_factor_enrollments WHERE sealedState IS NOT NULL'),
    smtp: await values('SELECT passwordSealed AS v FROM smtp_settings WHERE passwordSealed IS NOT NULL'),
    outbox: await values('SELECT body AS v FROM mail_outbox WHERE body IS NOT NULL'),
    keys: await values('SELECT sealedKey AS v FROM hashing_keys'),
  };
}

const prefixOf = (secret: string) => new SecretSealer(Buffer.from(secret, 'base64')).currentPrefix;

describe('APP_SECRET rotation that ends: re-seal on use, --reseal, the key ring', () => {
  const apps: TestApp[] = [];
  const databases: TestDatabase[] = [];
  const servers: TestSmtpServer[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    for (const database of databases) await database.drop();
    for (const server of servers) await server.stop().catch(() => undefined);
  });

  const newSecret = () => randomBytes(32).toString('base64');
  async function scenario() {
    const database = await createTestDatabase();
    databases.push(database);
    const clock = new ManualClock(Date.now());
    const start = async (env: Record<string, string>) => {
      const app = await startTestApp({ env, database, clock });
      apps.push(app);
      return app;
    };
    const stop = async (app: TestApp) => {
      await app.close();
      apps.splice(apps.indexOf(app), 1);
    };
    return { database, clock, start, stop };
  }

  /** A user with the authenticator app on; answers the secret, backup codes and an AUTHENTICATED session. */
  async function enrolled(app: TestApp, admin: string, email: string) {
    const { id } = await createUser(app, admin, { email, password: PASSWORD });
    const session = (await signIn(app, email, PASSWORD)).sessionToken;
    const secret: string = (await app.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: session })).data.startAuthenticatorEnrollment.secret;
    const confirmed = await app.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, {
      code: oathtoolCode(secret, app.clock.now()),
    }, { token: session });
    expect(confirmed.errors).toBeUndefined();
    app.clock.advanceSeconds(30);
    return { id, email, secret, session, backupCodes: confirmed.data.confirmAuthenticatorEnrollment.backupCodes as string[] };
  }

  const pending = async (app: TestApp, email: string, headers: Record<string, string> = {}) =>
    (await app.gql(SIGN_IN, { input: { email, password: PASSWORD } }, { headers })).data.signIn.sessionToken as string;

  async function byApp(app: TestApp, user: { email: string; secret: string }) {
    app.clock.advanceSeconds(30);
    return app.gql(VERIFY, { method: 'AUTHENTICATOR_APP', code: oathtoolCode(user.secret, app.clock.now()) }, { token: await pending(app, user.email) });
  }

  const setSmtp = (app: TestApp, admin: string, smtp: TestSmtpServer) =>
    app.gql(UPDATE_SMTP, {
      input: { host: '127.0.0.1', port: smtp.port, secure: false, username: SMTP_USER, password: SMTP_PASSWORD, fromAddress: 'twofold@example.com' },
    }, { token: admin });

  it('after --reseal with APP_SECRET=B and APP_SECRET_PREVIOUS=A, B alone opens and verifies everything made under A', async () => {
    const { database, clock, start, stop } = await scenario();
    const A = newSecret();
    const B = newSecret();
    const smtp = new TestSmtpServer({ username: SMTP_USER, password: SMTP_PASSWORD });
    servers.push(smtp);
    await smtp.start();

    // Under A: the SMTP password, a confirmed and a pending authenticator, sessions, a device, backup codes, queued mail.
    const a = await start({ APP_SECRET: A });
    let admin = await adminToken(a);
    expect((await setSmtp(a, admin, smtp)).data.updateSmtpSettings.passwordSet).toBe(true);
    expect((await a.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin })).data.sendTestEmail).toBe(true);
    const user = await enrolled(a, admin, 'rotated-1@example.com');
    const { id: laterId } = await createUser(a, admin, { email: 'rotated-2@example.com', password: PASSWORD });
    const laterSession = (await signIn(a, 'rotated-2@example.com', PASSWORD)).sessionToken;
    const laterSecret: string = (await a.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token: laterSession })).data.startAuthenticatorEnrollment.secret;
    // A mail outage: the "new trusted device" notice waits in the outbox, sealed under A.
    await smtp.stop();
    clock.advanceSeconds(30);
    const remembered = await a.gql(VERIFY, { method: 'AUTHENTICATOR_APP', code: oathtoolCode(user.secret, clock.now()), remember: true }, {
      token: await pending(a, user.email, { 'user-agent': CHROME }),
      headers: { 'user-agent': CHROME },
    });
    const device: string = remembered.data.verifyTwoFactor.trustedDeviceToken;
    expect(device).toBeTruthy();
    const before = await sealedValues(a);
    expect(before.outbox.length).toBeGreaterThan(0);
    for (const value of Object.values(before).flat()) expect(value.startsWith(prefixOf(A))).toBe(true);
    await stop(a);

    // The operator: APP_SECRET=B, APP_SECRET_PREVIOUS=A, then --reseal.
    const resealed = await runCommand(database, ['--reseal'], { APP_SECRET: B, APP_SECRET_PREVIOUS: A }, clock);
    expect(resealed.err).toEqual([]);
    expect(resealed.status).toBe(0);
    const report = resealed.out.join('\n');
    expect(report).toMatch(/authenticator secrets 1, pending enrollments 1, SMTP password 1, queued mail [1-9]/);
    expect(report).toContain('Nothing depends on APP_SECRET_PREVIOUS any more: remove it now');
    // What the keys from A's time still verify, and until when.
    expect(report).toMatch(/^ {2}sessions: \d+ \(\d+ users?\), until \d{4}-/m);
    expect(report).toContain(`  trusted devices: 1 (1 user), until ${remembered.data.verifyTwoFactor.trustedDeviceExpiresAt}`);
    expect(report).toContain('  backup codes: 10 (1 user), until used or regenerated');
    const [event] = (await (await start({ APP_SECRET: B })).app.get(SecurityEventsService).list(null, 100, null)).items.filter((e) => e.type === 'SECRETS_RESEALED');
    expect(event).toMatchObject({ userId: null, actorId: null, ip: null });

    // B alone.
    const b = apps[apps.length - 1];
    for (const value of Object.values(await sealedValues(b)).flat()) expect(value.startsWith(prefixOf(B))).toBe(true);
    expect((await b.gql(`{ me { email } }`, {}, { token: user.session })).data.me.email).toBe(user.email);
    const skipped = await b.gql(SIGN_IN_WITH_DEVICE, { input: { email: user.email, password: PASSWORD, trustedDeviceToken: device } }, { headers: { 'user-agent': CHROME } });
    expect(skipped.data.signIn.stage).toBe('AUTHENTICATED');
    expect((await byApp(b, user)).data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    const byBackup = await b.gql(VERIFY, { method: 'BACKUP_CODE', code: user.backupCodes[0] }, { token: await pending(b, user.email) });
    expect(byBackup.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    // The enrollment started under A is confirmed under B.
    const confirmed = await b.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, {
      code: oathtoolCode(laterSecret, clock.now()),
    }, { token: laterSession });
    expect(confirmed.errors).toBeUndefined();
    expect(laterId).toBeTruthy();

    // The SMTP password (the server insists on it) and the queued notice, both sealed under A, work under B.
    await smtp.restart();
    admin = await adminToken(b);
    expect((await b.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin })).data.sendTestEmail).toBe(true);
    clock.advanceMinutes(10);
    const notice = await smtp.waitFor(user.email, { match: (m) => /new trusted device/.test(m.subject) });
    expect(notice.text).toContain('Chrome on Windows');
  });

  it('re-seal on use: a TOTP secret and the SMTP password opened with the previous secret are stored again under the current one', async () => {
    const { start, stop } = await scenario();
    const A = newSecret();
    const B = newSecret();
    const smtp = new TestSmtpServer({ username: SMTP_USER, password: SMTP_PASSWORD });
    servers.push(smtp);
    await smtp.start();

    const a = await start({ APP_SECRET: A });
    await setSmtp(a, await adminToken(a), smtp);
    const user = await enrolled(a, await adminToken(a), 'on-use@example.com');
    await stop(a);

    const mid = await start({ APP_SECRET: B, APP_SECRET_PREVIOUS: A });
    expect((await byApp(mid, user)).data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    expect((await mid.gql(SEND_TEST, { to: 'ops@example.com' }, { token: await adminToken(mid) })).data.sendTestEmail).toBe(true);
    const stored = await sealedValues(mid);
    expect(stored.authenticator[0].startsWith(prefixOf(B))).toBe(true);
    expect(stored.smtp[0].startsWith(prefixOf(B))).toBe(true);
    await stop(mid);

    // No --reseal ran: B alone still opens both.
    const b = await start({ APP_SECRET: B });
    expect((await byApp(b, user)).data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    expect((await b.gql(SEND_TEST, { to: 'ops@example.com' }, { token: await adminToken(b) })).data.sendTestEmail).toBe(true);
    expect(smtp.countTo('ops@example.com')).toBe(2);
  });

  it('--reseal without the previous secret names what still depends on it and fails; given the secret, it succeeds', async () => {
    const { database, clock, start, stop } = await scenario();
    const A = newSecret();
    const B = newSecret();
    const a = await start({ APP_SECRET: A });
    const user = await enrolled(a, await adminToken(a), 'forgot@example.com');
    await stop(a);

    const forgot = await runCommand(database, ['--reseal'], { APP_SECRET: B }, clock);
    expect(forgot.status).not.toBe(0);
    expect(forgot.err).toEqual([expect.stringMatching(/^--reseal: \d+ sealed value\(s\) still depend on an earlier APP_SECRET \(listed above\)$/)]);
    const cannot = forgot.out.find((line) => line.includes('cannot be opened'));
    expect(cannot).toContain('authenticator secrets 1');
    expect(cannot).toContain('hashing keys 1');
    expect(forgot.out.join('\n')).not.toContain('remove it now');

    const given = await runCommand(database, ['--reseal'], { APP_SECRET: B, APP_SECRET_PREVIOUS: A }, clock);
    expect(given).toMatchObject({ status: 0, err: [] });
    expect(given.out.join('\n')).toContain('remove it now');
    const b = await start({ APP_SECRET: B });
    expect((await b.gql(`{ me { email } }`, {}, { token: user.session })).data.me.email).toBe(user.email);
    expect((await byApp(b, user)).data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
  });

  it('a retired hashing key is dropped once nothing alive used it (backup codes: once regenerated)', async () => {
    const { clock, start, stop } = await scenario();
    const A = newSecret();
    const a = await start({ APP_SECRET: A });
    const user = await enrolled(a, await adminToken(a), 'drop@example.com');
    await stop(a);

    const b = await start({ APP_SECRET: newSecret(), APP_SECRET_PREVIOUS: A });
    const keys = () => b.app.get(DataSource).query('SELECT id, retiredAt FROM hashing_keys') as Promise<Array<{ id: string; retiredAt: Date | null }>>;
    const retention = b.app.get(RetentionService);
    expect(await keys()).toHaveLength(2);
    await retention.runOnce();
    expect(await keys()).toHaveLength(2);
    // Sessions and codes of A's time are gone; its backup codes still verify.
    clock.advanceMinutes(2 * 24 * 60);
    expect((await retention.runOnce()).hashing_keys).toBeUndefined();
    expect(await keys()).toHaveLength(2);

    const session = (await byApp(b, user)).data.verifyTwoFactor.sessionToken;
    const fresh = await b.gql(`mutation($password: String!) { regenerateBackupCodes(password: $password) }`, { password: PASSWORD }, { token: session });
    expect(fresh.errors).toBeUndefined();
    expect((await retention.runOnce()).hashing_keys).toBe(1);
    expect(await keys()).toEqual([expect.objectContaining({ retiredAt: null })]);
    const byBackup = await b.gql(VERIFY, { method: 'BACKUP_CODE', code: fresh.data.regenerateBackupCodes[0] }, { token: await pending(b, user.email) });
    expect(byBackup.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
  });

  it('instances booting at once create the ring once and rotate it once', async () => {
    const { start } = await scenario();
    const A = newSecret();
    const B = newSecret();
    const app = await start({ APP_SECRET: A });
    const dataSource = app.app.get(DataSource);
    await dataSource.query('DELETE FROM hashing_keys');
    const rings = (env: Record<string, string>) =>
      Array.from({ length: 6 }, () => {
        const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: app.database.url, ...env });
        return new KeyRingService(dataSource, new SecretSealer(config.appSecret, config.previousAppSecrets), config, app.clock);
      });
    const rows = () => dataSource.query('SELECT id, retiredAt FROM hashing_keys') as Promise<Array<{ id: string; retiredAt: Date | null }>>;

    const created = await Promise.all(rings({ APP_SECRET: A }).map((ring) => ring.load()));
    expect(await rows()).toHaveLength(1);
    expect(new Set(created.map((hasher) => hasher.tokenDigest('t'))).size).toBe(1);

    const rotated = await Promise.all(rings({ APP_SECRET: B, APP_SECRET_PREVIOUS: A }).map((ring) => ring.load()));
    const after = await rows();
    expect(after).toHaveLength(2);
    expect(after.filter((row) => row.retiredAt === null)).toHaveLength(1);
    expect(new Set(rotated.map((hasher) => hasher.currentKey.id))).toEqual(new Set([after.find((row) => row.retiredAt === null)!.id]));
    // What A's key hashed still verifies on every instance.
    for (const hasher of rotated) expect(hasher.tokenDigests('t')).toContain(created[0].tokenDigest('t'));
  });
});
