import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { CATCH_UP_DELAY_MS, RetentionService } from '../src/modules/retention/retention.service';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';

describe('retention: what has expired is deleted, what is alive stays', () => {
  let t: TestApp;
  const count = async (table: string, where = '1=1') =>
    Number((await t.app.get(DataSource).query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE ${where}`))[0].n);

  beforeAll(async () => {
    t = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '30' } });
  });
  afterAll(async () => t?.close());

  it('deletes expired sessions, idle throttle counts and events past AUDIT_RETENTION_DAYS, and nothing alive', async () => {
    const admin = await adminToken(t);
    await createUser(t, admin, { email: 'kept@example.com', password: 'kept-password' });
    const old = (await signIn(t, 'kept@example.com', 'kept-password')).sessionToken;
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'guess@example.com', password: 'wrong-password' } }))).toBe('INVALID_CREDENTIALS');
    const eventsBefore = await count('security_events');
    expect(await count('sessions')).toBeGreaterThanOrEqual(2);

    t.clock.advanceSeconds(31 * 24 * 3600);
    const fresh = (await signIn(t, 'kept@example.com', 'kept-password')).sessionToken;
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'guess-again@example.com', password: 'wrong-password' } }))).toBe('INVALID_CREDENTIALS');
    const now = t.clock.now();

    const deleted = await t.app.get(RetentionService).runOnce();
    expect(deleted.sessions).toBeGreaterThanOrEqual(2);
    expect(deleted.security_events).toBe(eventsBefore);
    expect(deleted.login_throttles).toBeGreaterThanOrEqual(2);

    // The new session, its events and the counts of the last minutes are all still there.
    expect((await t.gql(`{ me { email } }`, {}, { token: fresh })).data.me.email).toBe('kept@example.com');
    expect(errorCode(await t.gql(`{ me { email } }`, {}, { token: old }))).toBe('UNAUTHENTICATED');
    expect(await count('sessions')).toBe(1);
    expect(await count('security_events')).toBeGreaterThanOrEqual(2);
    const cutoff = new Date(now.getTime() - 30 * 24 * 3600 * 1000);
    expect(await count('security_events', `createdAt < '${cutoff.toISOString().slice(0, 23).replace('T', ' ')}'`)).toBe(0);
    expect(await count('login_throttles')).toBeGreaterThanOrEqual(2);

    // A second pass finds nothing more.
    expect(await t.app.get(RetentionService).runOnce()).toEqual({});
  });

  it('a pass that reaches its cap on a table says so, and the next one starts 10 s later until one catches up', async () => {
    const retention = t.app.get(RetentionService);
    // The cap made small (500 × 200 rows in production): two batches of two rows a table.
    const pass = (retention as unknown as { pass: { batchSize: number; maxBatches: number } }).pass;
    const production = { ...pass };
    Object.assign(pass, { batchSize: 2, maxBatches: 2 });
    try {
      for (let i = 0; i < 5; i++) await signIn(t, 'kept@example.com', 'kept-password');
      expect(await count('sessions')).toBe(6);
      t.clock.advanceSeconds(2 * 24 * 3600);
      expect(await retention.runOnce()).toEqual({ sessions: 4 });
      expect(retention.behind).toEqual(['sessions']);
      expect(retention.nextPassDelayMs()).toBe(CATCH_UP_DELAY_MS);
      // The last two rows fill a batch: the pass looks once more, finds none, and is not behind.
      expect(await retention.runOnce()).toEqual({ sessions: 2 });
      expect(retention.behind).toEqual([]);
      expect(retention.nextPassDelayMs()).toBe(t.app.get(AppConfig).retentionIntervalMinutes * 60_000);
    } finally {
      Object.assign(pass, production);
    }
  });
});

describe('retention of challenges, email codes, pending enrollments, admin-issued codes and trusted devices', () => {
  const PASSWORD = 'retention-password-1';
  const TABLES = ['two_factor_challenges', 'email_codes', 'two_factor_enrollments', 'admin_backup_codes', 'trusted_devices'] as const;
  let t: TestApp;
  let smtp: TestSmtpServer;
  let n = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
    const response = await t.gql(query, variables, { token });
    if (response.errors) throw new Error(`${query.slice(0, 50)}: ${JSON.stringify(response.errors)}`);
    return response.data;
  };
  const mailedCode = async (email: string, since: number) => sixDigitCode(await smtp.waitFor(email, { since, match: (m) => /\b\d{6}\b/.test(m.text) }));

  /**
   * One of each row, made through the API: a user with email codes who trusted a browser, has a sign-in
   * pending (its challenge and code) and an admin-issued code; a user halfway through enrolling both methods.
   */
  const generation = async (): Promise<string[]> => {
    const admin = await adminToken(t);
    const emailUser = await createUser(t, admin, { email: `retained${n++}@example.com`, password: PASSWORD });
    const enrolling = await createUser(t, admin, { email: `retained${n++}@example.com`, password: PASSWORD });

    let token = (await signIn(t, emailUser.email, PASSWORD)).sessionToken;
    let since = smtp.messages.length;
    await ok(`mutation { startEmailEnrollment { sentTo } }`, {}, token);
    await ok(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { backupCodes } }`, { code: await mailedCode(emailUser.email, since) }, token);
    since = smtp.messages.length;
    token = (await signIn(t, emailUser.email, PASSWORD)).sessionToken;
    const verify = `mutation($code: String!) { verifyTwoFactor(input: { method: EMAIL, code: $code, rememberDevice: true }) { trustedDeviceToken } }`;
    expect((await ok(verify, { code: await mailedCode(emailUser.email, since) }, token)).verifyTwoFactor.trustedDeviceToken).toBeTruthy();
    since = smtp.messages.length;
    expect((await signIn(t, emailUser.email, PASSWORD)).stage).toBe('PENDING_TWO_FACTOR');
    await mailedCode(emailUser.email, since);
    await ok(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: emailUser.id }, admin);

    token = (await signIn(t, enrolling.email, PASSWORD)).sessionToken;
    await ok(`mutation { startAuthenticatorEnrollment { secret } }`, {}, token);
    await ok(`mutation { startEmailEnrollment { sentTo } }`, {}, token);
    return [emailUser.id, enrolling.id];
  };

  const rowsOf = async (userIds: string[]) => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const [row] = await t.app.get(DataSource).query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE userId IN (?, ?)`, userIds);
      counts[table] = Number(row.n);
    }
    return counts;
  };

  it('deletes the rows a day past their expiry, keeps those that expired since and those still alive', async () => {
    const old = await generation();
    // Past everything the old generation holds, the 90-day trusted device included, and the day of grace.
    t.clock.advanceMinutes(92 * 24 * 60);
    const recent = await generation();
    // Two hours on: the recent generation's codes, challenge and enrollments have expired, less than a day ago.
    t.clock.advanceMinutes(120);
    const live = await generation();

    const before = { old: await rowsOf(old), recent: await rowsOf(recent), live: await rowsOf(live) };
    for (const counts of Object.values(before)) for (const table of TABLES) expect(counts[table], table).toBeGreaterThan(0);

    const deleted = await t.app.get(RetentionService).runOnce();
    for (const table of TABLES) expect(deleted[table], table).toBe(before.old[table]);
    expect(await rowsOf(old)).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
    expect(await rowsOf(recent)).toEqual(before.recent);
    expect(await rowsOf(live)).toEqual(before.live);
  });
});
