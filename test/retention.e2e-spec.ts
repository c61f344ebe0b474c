import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { RetentionService } from '../src/modules/retention/retention.service';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';

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
});
