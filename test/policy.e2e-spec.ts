import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { adminToken, createUser, errorCode, signIn, startTestApp, TestApp } from './support/app';

const POLICY_FIELDS = `requirement allowedMethods frequency trustedDeviceDays maxAttempts cooldownFromAttempt cooldownMinutes
  lockoutMinutes emailCodeTtlMinutes resendCooldownSeconds adminBackupCodeTtlMinutes updatedAt`;
const UPDATE = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { ${POLICY_FIELDS} } }`;
const READ = `{ twoFactorPolicy { ${POLICY_FIELDS} } }`;

describe('global 2FA policy', () => {
  let t: TestApp;
  let admin: string;
  let other: TestApp | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('reads every default before any change, for any AUTHENTICATED user', async () => {
    await createUser(t, admin, { email: 'policy-reader@example.com', password: 'reader-password' });
    const agent = (await signIn(t, 'policy-reader@example.com', 'reader-password')).sessionToken;
    const read = await t.gql(READ, {}, { token: agent });
    expect(read.errors).toBeUndefined();
    expect(read.data.twoFactorPolicy).toEqual({
      requirement: 'OPTIONAL',
      allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP', 'PASSKEY'],
      frequency: 'TRUSTED_DEVICE',
      trustedDeviceDays: 90,
      maxAttempts: 5,
      cooldownFromAttempt: 3,
      cooldownMinutes: 5,
      lockoutMinutes: 30,
      emailCodeTtlMinutes: 10,
      resendCooldownSeconds: 60,
      adminBackupCodeTtlMinutes: 30,
      updatedAt: new Date(0).toISOString(),
    });
    const change = await t.gql(UPDATE, { input: { maxAttempts: 6 } }, { token: agent });
    expect(errorCode(change)).toBe('FORBIDDEN');
  });

  it('refuses each out-of-range value with BAD_USER_INPUT naming the field, and changes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ trustedDeviceDays: 0 }, 'trustedDeviceDays'],
      [{ trustedDeviceDays: 366 }, 'trustedDeviceDays'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: 101 }, 'maxAttempts'],
      [{ cooldownFromAttempt: 0 }, 'cooldownFromAttempt'],
      [{ cooldownFromAttempt: 6 }, 'cooldownFromAttempt'],
      [{ maxAttempts: 2 }, 'maxAttempts'],
      [{ cooldownMinutes: 0 }, 'cooldownMinutes'],
      [{ cooldownMinutes: 1441 }, 'cooldownMinutes'],
      [{ lockoutMinutes: 0 }, 'lockoutMinutes'],
      [{ lockoutMinutes: 10081 }, 'lockoutMinutes'],
      [{ emailCodeTtlMinutes: 0 }, 'emailCodeTtlMinutes'],
      [{ emailCodeTtlMinutes: 61 }, 'emailCodeTtlMinutes'],
      [{ resendCooldownSeconds: 0 }, 'resendCooldownSeconds'],
      [{ resendCooldownSeconds: 3601 }, 'resendCooldownSeconds'],
      [{ adminBackupCodeTtlMinutes: 0 }, 'adminBackupCodeTtlMinutes'],
      [{ adminBackupCodeTtlMinutes: 1441 }, 'adminBackupCodeTtlMinutes'],
      [{ allowedMethods: [] }, 'allowedMethods'],
      [{ allowedMethods: ['BACKUP_CODE'] }, 'allowedMethods'],
      [{ allowedMethods: ['EMAIL', 'EMAIL'] }, 'allowedMethods'],
    ];
    const problems: string[] = [];
    for (const [input, field] of cases) {
      const response = await t.gql(UPDATE, { input }, { token: admin });
      const extensions = response.errors?.[0]?.extensions;
      if (extensions?.code !== 'BAD_USER_INPUT' || extensions.field !== field) {
        problems.push(`${JSON.stringify(input)}: ${JSON.stringify(extensions)}`);
      }
      if (!response.errors?.[0]?.message.includes(field)) problems.push(`${JSON.stringify(input)}: message ${response.errors?.[0]?.message}`);
    }
    expect(problems).toEqual([]);
    const wrongType = await t.gql(UPDATE, { input: { maxAttempts: 'many' } }, { token: admin });
    expect(errorCode(wrongType)).toBe('BAD_USER_INPUT');
    const read = await t.gql(READ, {}, { token: admin });
    expect(read.data.twoFactorPolicy).toMatchObject({ maxAttempts: 5, trustedDeviceDays: 90, updatedAt: new Date(0).toISOString() });
  });

  it('merges a partial update, dates it, and records POLICY_UPDATED with what changed', async () => {
    t.clock.advanceMinutes(1);
    const first = await t.gql(UPDATE, { input: { maxAttempts: 8, cooldownFromAttempt: 4, allowedMethods: ['AUTHENTICATOR_APP'] } }, { token: admin });
    expect(first.errors).toBeUndefined();
    expect(first.data.updateTwoFactorPolicy).toMatchObject({
      requirement: 'OPTIONAL',
      allowedMethods: ['AUTHENTICATOR_APP'],
      frequency: 'TRUSTED_DEVICE',
      maxAttempts: 8,
      cooldownFromAttempt: 4,
      lockoutMinutes: 30,
      updatedAt: t.clock.now().toISOString(),
    });
    const second = await t.gql(UPDATE, { input: { lockoutMinutes: 60, maxAttempts: null } }, { token: admin });
    expect(second.data.updateTwoFactorPolicy).toMatchObject({ maxAttempts: 8, cooldownFromAttempt: 4, lockoutMinutes: 60 });
    // Lowering maxAttempts under the stored cooldownFromAttempt is refused on the merged result.
    const below = await t.gql(UPDATE, { input: { maxAttempts: 3 } }, { token: admin });
    expect(below.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'maxAttempts' });

    const page = await t.app.get(SecurityEventsService).list(null, 10, null);
    const updates = page.items.filter((e) => e.type === 'POLICY_UPDATED');
    expect(updates).toHaveLength(2);
    const adminId = (await t.gql(`{ me { id } }`, {}, { token: admin })).data.me.id;
    expect(updates[0]).toMatchObject({ actorId: adminId, userId: null });
    expect(JSON.parse(updates[0].details!)).toMatchObject({ changed: ['lockoutMinutes'], lockoutMinutes: 60 });
    expect(JSON.parse(updates[1].details!)).toMatchObject({
      changed: ['allowedMethods', 'maxAttempts', 'cooldownFromAttempt'],
      allowedMethods: ['AUTHENTICATOR_APP'],
      maxAttempts: 8,
      cooldownFromAttempt: 4,
    });
    // Admins see it in the IDE too.
    const events = await t.gql(`{ securityEvents(first: 5) { items { type actorId } } }`, {}, { token: admin });
    expect(events.data.securityEvents.items[0]).toEqual({ type: 'POLICY_UPDATED', actorId: adminId });

    // Saving the same values again changes nothing and records nothing.
    const same = await t.gql(UPDATE, { input: { lockoutMinutes: 60 } }, { token: admin });
    expect(same.data.updateTwoFactorPolicy.updatedAt).toBe(second.data.updateTwoFactorPolicy.updatedAt);
    expect((await t.app.get(SecurityEventsService).list(null, 10, null)).items.filter((e) => e.type === 'POLICY_UPDATED')).toHaveLength(2);
  });

  it('a second instance on the same database sees a change at its next request', async () => {
    // Closed in afterAll: passport keeps one 'bearer' strategy per process, the last app's, so
    // closing the second app early would leave the first one resolving tokens through it.
    other = await startTestApp({ database: t.database });
    const otherAdmin = await adminToken(other);
    const change = await t.gql(UPDATE, { input: { trustedDeviceDays: 14, frequency: 'EVERY_LOGIN' } }, { token: admin });
    expect(change.errors).toBeUndefined();
    const seen = await other.gql(READ, {}, { token: otherAdmin });
    expect(seen.data.twoFactorPolicy).toMatchObject({ trustedDeviceDays: 14, frequency: 'EVERY_LOGIN', lockoutMinutes: 60 });
    // And back the other way.
    await other.gql(UPDATE, { input: { frequency: 'TRUSTED_DEVICE' } }, { token: otherAdmin });
    expect((await t.gql(READ, {}, { token: admin })).data.twoFactorPolicy).toMatchObject({ frequency: 'TRUSTED_DEVICE', trustedDeviceDays: 14 });
  });

  it('concurrent partial updates of different fields both stick', async () => {
    const [a, b] = await Promise.all([
      t.gql(UPDATE, { input: { emailCodeTtlMinutes: 15 } }, { token: admin }),
      t.gql(UPDATE, { input: { resendCooldownSeconds: 90 } }, { token: admin }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect((await t.gql(READ, {}, { token: admin })).data.twoFactorPolicy).toMatchObject({ emailCodeTtlMinutes: 15, resendCooldownSeconds: 90 });
  });
});
