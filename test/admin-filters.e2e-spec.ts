import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, errorCode, GraphQLResponse, signIn, startTestApp, TestApp } from './support/app';
import { oathtoolCode } from './support/totp';

const PASSWORD = 'filters-password';
const USERS = `query($role: Role, $twoFactorEnabled: Boolean, $disabled: Boolean, $search: String, $first: Int, $after: String) {
  users(role: $role, twoFactorEnabled: $twoFactorEnabled, disabled: $disabled, search: $search, first: $first, after: $after) {
    totalCount items { email role disabled twoFactor { enabled } } nextCursor
  }
}`;
const EVENTS = `query($userId: ID, $types: [String!], $since: DateTime, $until: DateTime, $ip: String, $first: Int, $after: String) {
  securityEvents(userId: $userId, types: $types, since: $since, until: $until, ip: $ip, first: $first, after: $after) {
    items { id type ip createdAt userId } nextCursor
  }
}`;

interface Listed {
  email: string;
  role: string;
  disabled: boolean;
  twoFactor: { enabled: boolean };
}

describe('the users filters and totalCount', () => {
  let t: TestApp;
  let admin: string;
  /** Everyone there is, as the test made them (the bootstrap admin first). */
  const everyone: Array<{ email: string; role: string; disabled: boolean; twoFactor: boolean }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    everyone.push({ email: 'admin@example.com', role: 'ADMIN', disabled: false, twoFactor: false });
    // 12 users: every combination of role, 2FA and disabled, some twice.
    for (let i = 0; i < 12; i++) {
      t.clock.advanceSeconds(1);
      const spec = { email: `filter-${i}@example.com`, role: i % 3 === 0 ? 'ADMIN' : 'AGENT', twoFactor: i % 2 === 0, disabled: i % 4 === 1 || i % 4 === 2 };
      const { id } = await createUser(t, admin, { email: spec.email, password: PASSWORD, role: spec.role });
      if (spec.twoFactor) {
        const token = (await signIn(t, spec.email, PASSWORD)).sessionToken;
        const secret = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token })).data.startAuthenticatorEnrollment.secret;
        const confirmed = await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { twoFactor { enabled } } }`, {
          code: oathtoolCode(secret, t.clock.now()),
        }, { token });
        expect(confirmed.data.confirmAuthenticatorEnrollment.twoFactor.enabled).toBe(true);
      }
      if (spec.disabled) await t.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, { id }, { token: admin });
      everyone.push(spec);
    }
  });
  afterAll(async () => t?.close());

  /** Every page of a filtered listing, two at a time. */
  async function allPages(variables: Record<string, unknown>): Promise<{ items: Listed[]; totalCount: number }> {
    const items: Listed[] = [];
    let after: string | null = null;
    let totalCount = -1;
    do {
      const response: GraphQLResponse = await t.gql(USERS, { ...variables, first: 2, after }, { token: admin });
      expect(response.errors).toBeUndefined();
      items.push(...response.data.users.items);
      totalCount = response.data.users.totalCount;
      after = response.data.users.nextCursor;
    } while (after);
    return { items, totalCount };
  }

  it('each filter and each combination lists exactly the matching users, newest first across pages, and counts them', async () => {
    const combinations: Array<Record<string, unknown>> = [{}];
    for (const role of [null, 'ADMIN', 'AGENT']) {
      for (const twoFactorEnabled of [null, true, false]) {
        for (const disabled of [null, true, false]) combinations.push({ role, twoFactorEnabled, disabled });
      }
    }
    for (const filters of combinations) {
      const expected = everyone
        .filter((u) => (filters.role ?? u.role) === u.role)
        .filter((u) => (filters.twoFactorEnabled ?? u.twoFactor) === u.twoFactor)
        .filter((u) => (filters.disabled ?? u.disabled) === u.disabled)
        .map((u) => u.email)
        .reverse();
      const { items, totalCount } = await allPages(filters);
      expect({ filters, emails: items.map((u) => u.email), totalCount }).toEqual({ filters, emails: expected, totalCount: expected.length });
    }
  });

  it('twoFactorEnabled follows methods turned off, and search combines with the filters', async () => {
    const user = everyone.find((u) => u.twoFactor && !u.disabled && u.role === 'AGENT')!;
    const before = await allPages({ twoFactorEnabled: true, search: user.email });
    expect(before).toEqual({ items: [expect.objectContaining({ email: user.email })], totalCount: 1 });
    // Every method off (an admin's reset): the flag follows in the same transaction.
    const listed = await t.gql(`query($s: String) { users(search: $s) { items { id } } }`, { s: user.email }, { token: admin });
    await t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: listed.data.users.items[0].id }, { token: admin });
    expect(await allPages({ twoFactorEnabled: true, search: user.email })).toEqual({ items: [], totalCount: 0 });
    expect((await allPages({ twoFactorEnabled: false, search: user.email })).totalCount).toBe(1);
    user.twoFactor = false;
  });

  it('a malformed cursor or page size is BAD_USER_INPUT naming the field', async () => {
    for (const [variables, field] of [[{ after: 'nope' }, 'after'], [{ first: 0 }, 'first'], [{ search: 'x'.repeat(101) }, 'search']] as const) {
      const response = await t.gql(USERS, variables, { token: admin });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe(field);
    }
  });
});

describe('the securityEvents filters', () => {
  let t: TestApp;
  let admin: string;
  const start = new Date('2026-03-01T00:00:00.000Z');
  const FROM = ['203.0.113.7', '198.51.100.9'];
  let userId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: '1' } });
    admin = await adminToken(t);
    const email = 'events-filter@example.com';
    userId = (await createUser(t, admin, { email, password: PASSWORD })).id;
    // Minute by minute from `start`: a failure and a success from alternating addresses.
    t.clock.set(start);
    for (let minute = 0; minute < 6; minute++) {
      const headers = { 'x-forwarded-for': FROM[minute % 2] };
      await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { stage } }`, { input: { email, password: 'wrong-password' } }, { headers });
      await signIn(t, email, PASSWORD, headers);
      t.clock.advanceMinutes(1);
    }
  });
  afterAll(async () => t?.close());

  async function all(variables: Record<string, unknown>, token = admin) {
    const items: Array<{ id: string; type: string; ip: string; createdAt: string }> = [];
    let after: string | null = null;
    do {
      const response: GraphQLResponse = await t.gql(EVENTS, { userId, ...variables, first: 3, after }, { token });
      expect(response.errors).toBeUndefined();
      items.push(...response.data.securityEvents.items);
      after = response.data.securityEvents.nextCursor;
    } while (after);
    return items;
  }

  it('types, since (inclusive), until (exclusive) and ip filter; pages of several types merge newest first', async () => {
    const everything = await all({});
    const failures = await all({ types: ['SIGN_IN_FAILED'] });
    expect(failures).toHaveLength(6);
    expect(new Set(failures.map((e) => e.type))).toEqual(new Set(['SIGN_IN_FAILED']));

    const both = await all({ types: ['SIGN_IN_SUCCEEDED', 'SIGN_IN_FAILED'] });
    expect(both).toHaveLength(12);
    expect(both).toEqual(everything.filter((e) => e.type === 'SIGN_IN_SUCCEEDED' || e.type === 'SIGN_IN_FAILED'));
    const order = both.map((e) => [e.createdAt, Number(e.id)] as const);
    expect(order).toEqual([...order].sort((a, b) => (a[0] === b[0] ? b[1] - a[1] : b[0].localeCompare(a[0]))));

    const minute = (m: number) => new Date(start.getTime() + m * 60_000).toISOString();
    const window = await all({ types: ['SIGN_IN_FAILED'], since: minute(2), until: minute(4) });
    expect(window.map((e) => e.createdAt)).toEqual([minute(3), minute(2)]);

    const fromOne = await all({ ip: FROM[1] });
    expect(fromOne.length).toBeGreaterThan(0);
    expect(fromOne.every((e) => e.ip === FROM[1])).toBe(true);
    expect(await all({ ip: FROM[1], types: ['SIGN_IN_FAILED'] })).toHaveLength(3);
    expect(await all({ types: ['NO_SUCH_TYPE'] })).toEqual([]);
  });

  it('an agent filters only their own events; bad filters are BAD_USER_INPUT naming the field', async () => {
    const token = (await signIn(t, 'events-filter@example.com', PASSWORD)).sessionToken;
    const own = await all({ types: ['SIGN_IN_FAILED'] }, token);
    expect(own).toHaveLength(6);
    const adminEvents = await t.gql(EVENTS, { userId: null, types: ['USER_CREATED'] }, { token });
    expect(adminEvents.data.securityEvents.items.every((e: { userId: string }) => e.userId === userId)).toBe(true);
    const someoneElse = await t.gql(EVENTS, { userId: '00000000-0000-4000-8000-000000000000' }, { token });
    expect(errorCode(someoneElse)).toBe('FORBIDDEN');

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ip: 'not-an-address' }, 'ip'],
      [{ types: Array.from({ length: 31 }, (_, i) => `TYPE_${i}`) }, 'types'],
      [{ types: ['bad type!'] }, 'types'],
      [{ after: 'nope' }, 'after'],
    ];
    for (const [variables, field] of cases) {
      const response = await t.gql(EVENTS, { userId, ...variables }, { token: admin });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].extensions!.field).toBe(field);
    }
  });
});
