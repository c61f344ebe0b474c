import { ManualClock } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase } from '../../../test/support/memory-database';
import { Role } from '../../common/auth/role';
import { SessionStage } from '../../common/auth/session-stage';
import { requestIdMiddleware, requestMemo } from '../../common/logging/request-id';
import { AppConfig } from '../../config/app-config';
import { TwoFactorPolicyEntity } from '../policy/entities/two-factor-policy.entity';
import { PolicyService } from '../policy/policy.service';
import { DEFAULT_POLICY, TwoFactorRequirement } from '../policy/policy.types';
import { UserEntity } from '../users/entities/user.entity';
import { SessionEntity } from './entities/session.entity';
import { PENDING_SESSION_MINUTES, SessionsService } from './sessions.service';

/**
 * Sessions on the in-memory database: the bearer token stored only as its
 * keyed hash, the 10-minute pending stages, the idle expiry that slides with
 * use (120 minutes) up to the absolute limit (12 hours), revocation.
 */
describe('SessionsService', () => {
  const START = Date.UTC(2026, 0, 1, 8);
  const client = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0' };
  const config = { sessionIdleMinutes: 120, sessionMaxHours: 12 } as AppConfig;
  let source: DataSource;
  let repo: Repository<SessionEntity>;
  let users: Repository<UserEntity>;
  let policyRepo: Repository<TwoFactorPolicyEntity>;
  let policies: PolicyService;
  let hasher: KeyedHasher;
  let clock: ManualClock;
  let sessions: SessionsService;
  let user: string;
  let n = 0;
  const at = (ms: number) => new Date(START + ms);
  const MIN = 60_000;

  beforeAll(async () => {
    source = await memoryDatabase([SessionEntity, UserEntity, TwoFactorPolicyEntity]);
    repo = source.getRepository(SessionEntity);
    users = source.getRepository(UserEntity);
    policyRepo = source.getRepository(TwoFactorPolicyEntity);
    policies = new PolicyService(policyRepo);
    hasher = new KeyedHasher(randomBytes(32));
  });
  afterAll(() => source.destroy());
  beforeEach(async () => {
    clock = new ManualClock(START);
    sessions = new SessionsService(repo, hasher, config, policies, clock);
    user = `user-${++n}`;
    await users.insert({ id: user, email: `${user}@example.com`, passwordHash: 'x', displayName: null, role: Role.AGENT, createdAt: at(0), updatedAt: at(0) });
  });

  const row = async (id: string) => (await repo.findOneBy({ id }))!;
  const resolveAt = async (token: string, ms: number) => {
    clock.set(at(ms));
    return sessions.resolve(token);
  };

  it('an AUTHENTICATED session: a 256-bit token stored only as its hash, idle expiry 120 minutes, absolute 12 hours', async () => {
    expect(PENDING_SESSION_MINUTES).toBe(10);
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(await row(session.id)).toEqual({
      id: session.id,
      tokenHash: hasher.tokenDigest(token),
      userId: user,
      stage: SessionStage.AUTHENTICATED,
      createdAt: at(0),
      expiresAt: at(120 * MIN),
      absoluteExpiresAt: at(12 * 60 * MIN),
      revokedAt: null,
      verifiedAt: at(0),
      lastSeenAt: null,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
    });
    expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
    const other = await sessions.open(user, SessionStage.AUTHENTICATED, null);
    expect(other.token).not.toBe(token);
    expect(await row(other.session.id)).toMatchObject({ ip: null, userAgent: null });
  });

  it('a pending session lives 10 minutes and never slides', async () => {
    for (const stage of [SessionStage.PENDING_TWO_FACTOR, SessionStage.PENDING_ENROLLMENT]) {
      clock.set(at(0));
      const { token, session } = await sessions.open(user, stage, client);
      expect(await row(session.id)).toMatchObject({ expiresAt: at(10 * MIN), absoluteExpiresAt: at(10 * MIN) });
      expect(await resolveAt(token, 9 * MIN)).toMatchObject({ stage, sessionExpiresAt: at(10 * MIN) });
      expect((await row(session.id)).expiresAt).toEqual(at(10 * MIN));
      expect(await resolveAt(token, 10 * MIN)).toBeNull();
    }
  });

  it('an idle expiry longer than the absolute limit is cut to it', async () => {
    const long = new SessionsService(repo, hasher, { sessionIdleMinutes: 13 * 60, sessionMaxHours: 12 } as AppConfig, policies, clock);
    const { token, session } = await long.open(user, SessionStage.AUTHENTICATED, client);
    expect((await row(session.id)).expiresAt).toEqual(at(12 * 60 * MIN));
    expect(await (async () => (clock.set(at(60 * MIN)), long.resolve(token)))()).not.toBeNull();
    expect((await row(session.id)).expiresAt).toEqual(at(12 * 60 * MIN));
  });

  it('resolves a live token to its session and user', async () => {
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    expect(await sessions.resolve(token)).toEqual({
      sessionId: session.id,
      stage: SessionStage.AUTHENTICATED,
      sessionExpiresAt: at(120 * MIN),
      userId: user,
      email: `${user}@example.com`,
      role: Role.AGENT,
      verifiedAt: at(0),
    });
    expect(await sessions.resolve(`${token}x`)).toBeNull();
    expect(await sessions.resolve(undefined)).toBeNull();
    expect(await sessions.resolve(42)).toBeNull();
  });

  /** Runs `work` inside a request's scope, as the request-id middleware does: what the request read once is remembered there. */
  const inRequest = <T>(work: () => Promise<T>) =>
    new Promise<T>((done, fail) => requestIdMiddleware()({ headers: {} } as never, { setHeader: () => undefined } as never, () => void work().then(done, fail)));

  it('the session lookup reads the policy in the same statement: the rest of the request asks nothing more of it', async () => {
    let policyLookups = 0;
    const counted = new Proxy(policyRepo, {
      get(target, key, receiver) {
        if (key !== 'findOneBy' && key !== 'query' && key !== 'createQueryBuilder') return Reflect.get(target, key, receiver);
        const real = Reflect.get(target, key, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => (policyLookups++, real.apply(target, args));
      },
    });
    const joined = new SessionsService(repo, hasher, config, new PolicyService(counted), clock);
    const { token } = await joined.open(user, SessionStage.AUTHENTICATED, client);
    // No policy stored yet: the defaults, dated at the epoch.
    await inRequest(async () => {
      expect(await joined.resolve(token)).toMatchObject({ userId: user });
      expect(await new PolicyService(counted).get()).toEqual({ ...DEFAULT_POLICY, updatedAt: new Date(0) });
      expect(policyLookups).toBe(0);
    });
    const stored = { ...DEFAULT_POLICY, requirement: TwoFactorRequirement.REQUIRED_FOR_ALL, maxAttempts: 7, allowPasskeySignIn: false, updatedAt: at(-MIN) };
    await policyRepo.insert({ ...stored, id: 1, allowedMethods: 'EMAIL,PASSKEY' });
    try {
      await inRequest(async () => {
        expect(await joined.resolve(token)).toMatchObject({ userId: user });
        // Read only when asked, and then as the lookup found it: a change committed in between is the next request's.
        await policyRepo.update({ id: 1 }, { maxAttempts: 9 });
        const policy = await new PolicyService(counted).get();
        expect(policy).toEqual({ ...stored, allowedMethods: ['EMAIL', 'PASSKEY'] });
        expect(await new PolicyService(counted).get()).toBe(policy);
        expect(policyLookups).toBe(0);
      });
      // A token that finds no session reads no policy either: the request reads it itself.
      await inRequest(async () => {
        expect(await joined.resolve(`${token}x`)).toBeNull();
        expect(requestMemo()!.has('policy')).toBe(false);
      });
    } finally {
      await policyRepo.delete({ id: 1 });
    }
  });

  it('a disabled user\'s session does not resolve, whatever its stage', async () => {
    const done = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const pending = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    await users.update({ id: user }, { disabled: true });
    expect(await sessions.resolve(done.token)).toBeNull();
    expect(await sessions.resolve(pending.token)).toBeNull();
    await users.update({ id: user }, { disabled: false });
    expect(await sessions.resolve(done.token)).toMatchObject({ sessionId: done.session.id });
  });

  it('a token of up to 100 characters is looked up; a longer one is not', async () => {
    const { session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const longest = 'a'.repeat(100);
    await repo.update({ id: session.id }, { tokenHash: hasher.tokenDigest(longest) });
    expect(await sessions.resolve(longest)).toMatchObject({ sessionId: session.id });
    const tooLong = 'a'.repeat(101);
    await repo.update({ id: session.id }, { tokenHash: hasher.tokenDigest(tooLong) });
    expect(await sessions.resolve(tooLong)).toBeNull();
  });

  it('a session with no verifiedAt (older than the column) resolves with null', async () => {
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    await repo.update({ id: session.id }, { verifiedAt: null });
    expect((await sessions.resolve(token))!.verifiedAt).toBeNull();
  });

  it('a session opened before an APP_SECRET rotation still resolves', async () => {
    const oldSecret = randomBytes(32);
    const before = new SessionsService(repo, new KeyedHasher(oldSecret), config, policies, clock);
    const { token } = await before.open(user, SessionStage.AUTHENTICATED, client);
    const after = new SessionsService(repo, new KeyedHasher(randomBytes(32), [oldSecret]), config, policies, clock);
    expect(await after.resolve(token)).toMatchObject({ userId: user });
    expect(await new SessionsService(repo, new KeyedHasher(randomBytes(32)), config, policies, clock).resolve(token)).toBeNull();
  });

  it('use slides the idle expiry (at most one write a minute); idle for 120 minutes, it ends', async () => {
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    // 59 s later the expiry would move by less than a minute: no write.
    expect(await resolveAt(token, 59_000)).toMatchObject({ sessionExpiresAt: at(120 * MIN) });
    expect(await row(session.id)).toMatchObject({ expiresAt: at(120 * MIN), lastSeenAt: null });
    expect(await resolveAt(token, 60_000)).toMatchObject({ sessionExpiresAt: at(121 * MIN) });
    // The write that slides the expiry records the use.
    expect(await row(session.id)).toMatchObject({ expiresAt: at(121 * MIN), lastSeenAt: at(60_000) });
    // Idle until a millisecond before the end: still open; at the end: closed.
    expect(await resolveAt(token, 121 * MIN - 1)).not.toBeNull();
    expect((await row(session.id)).expiresAt).toEqual(at(241 * MIN - 1));
    expect(await resolveAt(token, 241 * MIN - 1)).toBeNull();
  });

  it('used every 100 minutes, a session is open a second before its 12 hours and closed at them', async () => {
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    for (let t = 100; t < 12 * 60; t += 100) expect(await resolveAt(token, t * MIN)).not.toBeNull();
    // The last use (at 700 minutes) slid the expiry only up to the absolute limit.
    expect((await row(session.id)).expiresAt).toEqual(at(12 * 60 * MIN));
    expect(await resolveAt(token, 12 * 60 * MIN - 1000)).toMatchObject({ sessionExpiresAt: at(12 * 60 * MIN) });
    expect(await resolveAt(token, 12 * 60 * MIN)).toBeNull();
    expect(await sessions.findLive(session.id)).toBeNull();
  });

  it('findLive: neither revoked nor expired', async () => {
    const { session } = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    expect(await sessions.findLive(session.id)).toMatchObject({ id: session.id });
    clock.set(at(10 * MIN));
    expect(await sessions.findLive(session.id)).toBeNull();
    clock.set(at(0));
    await sessions.revoke(session.id);
    expect(await sessions.findLive(session.id)).toBeNull();
  });

  it('listLive: the user\'s open sessions of every stage, newest first (the id orders those opened at the same moment)', async () => {
    const first = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    clock.set(at(MIN));
    const revoked = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    await sessions.revoke(revoked.session.id);
    const expiring = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    clock.set(at(2 * MIN));
    const same = [await sessions.open(user, SessionStage.AUTHENTICATED, client), await sessions.open(user, SessionStage.PENDING_ENROLLMENT, client)];
    await users.insert({ id: `${user}-o`, email: `${user}-o@example.com`, passwordHash: 'x', displayName: null, role: Role.AGENT, createdAt: at(0), updatedAt: at(0) });
    await sessions.open(`${user}-o`, SessionStage.AUTHENTICATED, client);
    const newestFirst = same.map((o) => o.session.id).sort().reverse();
    expect((await sessions.listLive(user)).map((s) => s.id)).toEqual([...newestFirst, expiring.session.id, first.session.id]);
    // The pending session ends 10 minutes after it opened: gone from the list at that moment.
    clock.set(at(11 * MIN));
    expect((await sessions.listLive(user)).map((s) => s.id)).toEqual([...newestFirst, first.session.id]);
  });

  it('revoke: true only for the call that ended the session; the token stops working', async () => {
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    clock.set(at(MIN));
    expect(await sessions.revoke(session.id)).toBe(true);
    expect((await row(session.id)).revokedAt).toEqual(at(MIN));
    expect(await sessions.revoke(session.id)).toBe(false);
    expect((await row(session.id)).revokedAt).toEqual(at(MIN));
    expect(await sessions.resolve(token)).toBeNull();
    expect(await sessions.revoke('no-such-session')).toBe(false);
  });

  it('revokeAllForUser ends every live session of the user but the one kept', async () => {
    const a = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const b = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    const c = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    await users.insert({ id: `${user}-o`, email: `${user}-o@example.com`, passwordHash: 'x', displayName: null, role: Role.AGENT, createdAt: at(0), updatedAt: at(0) });
    const other = await sessions.open(`${user}-o`, SessionStage.AUTHENTICATED, client);
    expect(await sessions.revokeAllForUser(user, c.session.id)).toBe(2);
    expect((await row(a.session.id)).revokedAt).toEqual(at(0));
    expect((await row(b.session.id)).revokedAt).toEqual(at(0));
    expect((await row(c.session.id)).revokedAt).toBeNull();
    expect(await sessions.revokeAllForUser(user)).toBe(1);
    expect((await row(c.session.id)).revokedAt).toEqual(at(0));
    expect(await sessions.revokeAllForUser(user)).toBe(0);
    expect((await row(other.session.id)).revokedAt).toBeNull();
  });

  it('revokePendingForUser ends both pending stages, not the AUTHENTICATED sessions', async () => {
    const pending = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    const enrolling = await sessions.open(user, SessionStage.PENDING_ENROLLMENT, client);
    const done = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    await sessions.revoke(pending.session.id);
    clock.set(at(MIN));
    expect(await sessions.revokePendingForUser(user)).toBe(1);
    expect((await row(enrolling.session.id)).revokedAt).toEqual(at(MIN));
    expect((await row(pending.session.id)).revokedAt).toEqual(at(0));
    expect((await row(done.session.id)).revokedAt).toBeNull();
    expect(await sessions.revokePendingForUser(user)).toBe(0);
  });

  it('markVerified records a password asked again, in a live session only', async () => {
    const { session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    clock.set(at(5 * MIN));
    await sessions.markVerified(session.id);
    expect((await row(session.id)).verifiedAt).toEqual(at(5 * MIN));
    await sessions.revoke(session.id);
    clock.set(at(6 * MIN));
    await sessions.markVerified(session.id);
    expect((await row(session.id)).verifiedAt).toEqual(at(5 * MIN));
  });

  it('demoteToEnrollment turns the chosen users\' live AUTHENTICATED sessions into 10-minute PENDING_ENROLLMENT ones', async () => {
    await users.update({ id: user }, { role: Role.ADMIN });
    const live = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const ending = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const expired = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const revoked = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    const pending = await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    await users.insert({ id: `${user}-agent`, email: `${user}-agent@example.com`, passwordHash: 'x', displayName: null, role: Role.AGENT, createdAt: at(0), updatedAt: at(0) });
    const agent = await sessions.open(`${user}-agent`, SessionStage.AUTHENTICATED, client);
    clock.set(at(60 * MIN));
    await repo.update({ id: ending.session.id }, { expiresAt: at(65 * MIN) });
    await repo.update({ id: expired.session.id }, { expiresAt: at(60 * MIN) });
    await sessions.revoke(revoked.session.id);

    const admins = users.createQueryBuilder('u').select('u.id').where('u.role = :role', { role: Role.ADMIN });
    expect(await sessions.demoteToEnrollment(admins)).toBe(2);
    expect(await row(live.session.id)).toMatchObject({ stage: SessionStage.PENDING_ENROLLMENT, expiresAt: at(70 * MIN), absoluteExpiresAt: at(70 * MIN) });
    // Ending sooner than 10 minutes: it keeps its own expiry.
    expect(await row(ending.session.id)).toMatchObject({ stage: SessionStage.PENDING_ENROLLMENT, expiresAt: at(65 * MIN), absoluteExpiresAt: at(12 * 60 * MIN) });
    expect(await row(expired.session.id)).toMatchObject({ stage: SessionStage.AUTHENTICATED, expiresAt: at(60 * MIN) });
    expect(await row(revoked.session.id)).toMatchObject({ stage: SessionStage.AUTHENTICATED });
    expect(await row(pending.session.id)).toMatchObject({ stage: SessionStage.PENDING_TWO_FACTOR, expiresAt: at(10 * MIN) });
    expect(await row(agent.session.id)).toMatchObject({ stage: SessionStage.AUTHENTICATED, expiresAt: at(120 * MIN) });
  });

  it('a session expiring exactly when a demoted one would keeps its expiry', async () => {
    await users.update({ id: user }, { role: Role.ADMIN });
    const exact = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    clock.set(at(60 * MIN));
    await repo.update({ id: exact.session.id }, { expiresAt: at(70 * MIN) });
    const admins = users.createQueryBuilder('u').select('u.id').where('u.role = :role', { role: Role.ADMIN });
    expect(await sessions.demoteToEnrollment(admins)).toBe(1);
    expect(await row(exact.session.id)).toMatchObject({ stage: SessionStage.PENDING_ENROLLMENT, absoluteExpiresAt: at(12 * 60 * MIN) });
  });

  it('a pending session lives its 10 minutes even when the idle expiry is shorter', async () => {
    const brief = new SessionsService(repo, hasher, { sessionIdleMinutes: 5, sessionMaxHours: 12 } as AppConfig, policies, clock);
    const pending = await brief.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    expect((await row(pending.session.id)).expiresAt).toEqual(at(10 * MIN));
    const done = await brief.open(user, SessionStage.AUTHENTICATED, client);
    expect((await row(done.session.id)).expiresAt).toEqual(at(5 * MIN));
  });

  it('a demoted session that was ending sooner never slides past its own expiry', async () => {
    await users.update({ id: user }, { role: Role.ADMIN });
    const { token, session } = await sessions.open(user, SessionStage.AUTHENTICATED, client);
    clock.set(at(60 * MIN));
    await repo.update({ id: session.id }, { expiresAt: at(65 * MIN) });
    await sessions.demoteToEnrollment(users.createQueryBuilder('u').select('u.id').where('u.role = :role', { role: Role.ADMIN }));
    expect(await resolveAt(token, 62 * MIN)).toMatchObject({ stage: SessionStage.PENDING_ENROLLMENT, sessionExpiresAt: at(65 * MIN) });
    expect((await row(session.id)).expiresAt).toEqual(at(65 * MIN));
    expect(await resolveAt(token, 65 * MIN)).toBeNull();
  });
});
