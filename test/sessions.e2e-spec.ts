import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { adminToken, createUser, errorCode, signIn, startTestApp, TestApp } from './support/app';

const PASSWORD = 'sessions-password';
const SESSIONS = `query($userId: ID) { sessions(userId: $userId) { id stage createdAt lastSeenAt expiresAt ip userAgent current } }`;
const REVOKE = `mutation($id: ID!) { revokeSession(id: $id) }`;
const REVOKE_ALL = `mutation($userId: ID) { revokeAllSessions(userId: $userId) }`;
const ME = `{ me { id } }`;

describe('sessions: listing and ending them', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let n = 0;

  /** An agent signed in from three browsers, a minute apart (newest last). */
  async function agentWithThreeSessions() {
    const email = `sessions-${++n}@example.com`;
    const { id } = await createUser(t, admin, { email, password: PASSWORD });
    const tokens: string[] = [];
    for (const browser of ['Browser-A', 'Browser-B', 'Browser-C']) {
      tokens.push((await signIn(t, email, PASSWORD, { 'user-agent': browser })).sessionToken);
      t.clock.advanceMinutes(1);
    }
    return { id, email, tokens };
  }

  const eventsOf = async (userId: string) => (await t.app.get(SecurityEventsService).list(userId, 100, null, { types: ['SESSION_REVOKED'] })).items;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    adminId = (await t.gql(ME, {}, { token: admin })).data.me.id;
  });
  afterAll(async () => t?.close());

  it('a user lists their open sessions, newest first, with the one asking marked current', async () => {
    const user = await agentWithThreeSessions();
    const list = await t.gql(SESSIONS, {}, { token: user.tokens[0] });
    expect(list.errors).toBeUndefined();
    const sessions = list.data.sessions;
    expect(sessions.map((s: { userAgent: string }) => s.userAgent)).toEqual(['Browser-C', 'Browser-B', 'Browser-A']);
    expect(sessions.map((s: { current: boolean }) => s.current)).toEqual([false, false, true]);
    expect(sessions[0]).toMatchObject({ stage: 'AUTHENTICATED', ip: '127.0.0.1' });
    // Used again two minutes later, a session shows when it was last seen.
    t.clock.advanceMinutes(2);
    await t.gql(ME, {}, { token: user.tokens[1] });
    const again = (await t.gql(SESSIONS, {}, { token: user.tokens[0] })).data.sessions;
    expect(again.find((s: { userAgent: string }) => s.userAgent === 'Browser-B').lastSeenAt).toBe(t.clock.now().toISOString());
    expect(again.find((s: { userAgent: string }) => s.userAgent === 'Browser-C').lastSeenAt).toBeNull();
  });

  it("a user ends one of their sessions, or all their other ones; another user's sessions are none of their business", async () => {
    const user = await agentWithThreeSessions();
    const other = await agentWithThreeSessions();
    const [oldest] = (await t.gql(SESSIONS, {}, { token: user.tokens[2] })).data.sessions.slice(-1);
    expect((await t.gql(REVOKE, { id: oldest.id }, { token: user.tokens[2] })).data.revokeSession).toBe(true);
    expect(errorCode(await t.gql(ME, {}, { token: user.tokens[0] }))).toBe('UNAUTHENTICATED');
    // Ended already, unknown, malformed, or another user's: NOT_FOUND alike.
    const othersSession = (await t.gql(SESSIONS, {}, { token: other.tokens[0] })).data.sessions[0];
    for (const id of [oldest.id, '00000000-0000-4000-8000-000000000000', 'not-an-id', othersSession.id]) {
      expect(errorCode(await t.gql(REVOKE, { id }, { token: user.tokens[2] }))).toBe('NOT_FOUND');
    }
    expect(errorCode(await t.gql(ME, {}, { token: other.tokens[0] }))).toBeUndefined();
    expect(errorCode(await t.gql(SESSIONS, { userId: other.id }, { token: user.tokens[2] }))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql(REVOKE_ALL, { userId: other.id }, { token: user.tokens[2] }))).toBe('FORBIDDEN');

    // All the others: the one asking stays.
    expect((await t.gql(REVOKE_ALL, {}, { token: user.tokens[2] })).data.revokeAllSessions).toBe(1);
    expect(errorCode(await t.gql(ME, {}, { token: user.tokens[1] }))).toBe('UNAUTHENTICATED');
    expect((await t.gql(SESSIONS, { userId: user.id }, { token: user.tokens[2] })).data.sessions).toHaveLength(1);

    const events = await eventsOf(user.id);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.actorId === null)).toBe(true);
    expect(JSON.parse(events[0].details!)).toEqual({ count: 1, all: true });
    expect(JSON.parse(events[1].details!)).toEqual({ sessionId: oldest.id, current: false });
  });

  it("an admin lists and ends any user's sessions, recorded with the admin as actor", async () => {
    const user = await agentWithThreeSessions();
    const listed = (await t.gql(SESSIONS, { userId: user.id }, { token: admin })).data.sessions;
    expect(listed).toHaveLength(3);
    expect(listed.every((s: { current: boolean }) => !s.current)).toBe(true);

    expect((await t.gql(REVOKE, { id: listed[0].id }, { token: admin })).data.revokeSession).toBe(true);
    expect(errorCode(await t.gql(ME, {}, { token: user.tokens[2] }))).toBe('UNAUTHENTICATED');
    expect((await t.gql(REVOKE_ALL, { userId: user.id }, { token: admin })).data.revokeAllSessions).toBe(2);
    for (const token of user.tokens) expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    expect((await t.gql(SESSIONS, { userId: user.id }, { token: admin })).data.sessions).toEqual([]);
    // The admin's own session is untouched.
    expect(errorCode(await t.gql(ME, {}, { token: admin }))).toBeUndefined();

    const events = await eventsOf(user.id);
    expect(events.map((e) => e.actorId)).toEqual([adminId, adminId]);
    expect(JSON.parse(events[0].details!)).toEqual({ count: 2, all: true });
  });
});
