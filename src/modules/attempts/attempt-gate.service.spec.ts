import { ManualClock } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, Not, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase, recordingEvents } from '../../../test/support/memory-database';
import { SessionStage } from '../../common/auth/session-stage';
import { AppConfig } from '../../config/app-config';
import { SessionEntity } from '../auth/entities/session.entity';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorPolicyEntity } from '../policy/entities/two-factor-policy.entity';
import { PolicyService } from '../policy/policy.service';
import { DEFAULT_POLICY, TwoFactorPolicy } from '../policy/policy.types';
import { UserEntity } from '../users/entities/user.entity';
import { AttemptGate, CheckVerdict, GatedCheck } from './attempt-gate.service';
import { AttemptsService } from './attempts.service';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';
import { LockoutService } from './lockout.service';

/**
 * The one attempt gate with what a lockout does (LockoutService), on the
 * in-memory database: the real counter, the real sessions; the event bus
 * records what was published.
 */
describe('AttemptGate and LockoutService', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  const client = { ip: '203.0.113.7', userAgent: 'test' };
  const seeds: TwoFactorPolicy = { ...DEFAULT_POLICY, updatedAt: new Date(0) };
  let source: DataSource;
  let attemptsRepo: Repository<TwoFactorAttemptsEntity>;
  let sessionRepo: Repository<SessionEntity>;
  let clock: ManualClock;
  let attempts: AttemptsService;
  let sessions: SessionsService;
  let events: ReturnType<typeof recordingEvents>;
  let gate: AttemptGate;
  let user: string;
  let n = 0;

  beforeAll(async () => {
    source = await memoryDatabase([TwoFactorAttemptsEntity, SessionEntity, UserEntity, TwoFactorPolicyEntity]);
    attemptsRepo = source.getRepository(TwoFactorAttemptsEntity);
    sessionRepo = source.getRepository(SessionEntity);
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    clock = new ManualClock(START);
    attempts = new AttemptsService(attemptsRepo, clock);
    sessions = new SessionsService(
      sessionRepo,
      new KeyedHasher(randomBytes(32)),
      { sessionIdleMinutes: 120, sessionMaxHours: 12 } as AppConfig,
      new PolicyService(source.getRepository(TwoFactorPolicyEntity)),
      clock,
    );
    events = recordingEvents();
    gate = new AttemptGate(attempts, new LockoutService(sessions, events as never), events as never);
    user = `user-${++n}`;
  });

  const check = (verdict: CheckVerdict | (() => Promise<CheckVerdict>), more: Partial<GatedCheck<string>> = {}): GatedCheck<string> => ({
    userId: user,
    policy: seeds,
    client,
    method: 'EMAIL',
    stage: 'sign-in',
    evaluate: typeof verdict === 'function' ? verdict : async () => verdict,
    accepted: async () => 'welcome',
    ...more,
  });
  const refuse = (more: Partial<GatedCheck<string>> = {}) => gate.check(check({ status: 'refused' }, more)).catch((e: unknown) => e);
  const row = async () => (await attemptsRepo.findOneBy({ userId: user }))!;
  const live = async (stage: SessionStage) => sessionRepo.countBy({ userId: user, stage, revokedAt: IsNull() });
  const openSessions = async () => {
    await sessions.open(user, SessionStage.PENDING_TWO_FACTOR, client);
    await sessions.open(user, SessionStage.PENDING_ENROLLMENT, client);
    await sessions.open(user, SessionStage.AUTHENTICATED, client);
  };
  const types = () => events.published.map((e) => e.type);

  it('a right answer runs the caller\'s work with the verdict and clears the count', async () => {
    await refuse();
    const verdict = { status: 'accepted' as const, details: { step: 7 } };
    let seen: unknown;
    const result = await gate.check(check(verdict, { accepted: async (v) => ((seen = v), 'welcome') }));
    expect(result).toBe('welcome');
    expect(seen).toBe(verdict);
    expect(await row()).toMatchObject({ failures: 0, inflight: 0 });
    expect(types()).toEqual(['TWO_FACTOR_FAILED']);
  });

  it('settle() clears the count at once, and only once', async () => {
    const p = { ...seeds, cooldownFromAttempt: 5 };
    await refuse({ policy: p });
    // Another check of the same user is in flight: its unit must survive this one's settlement.
    await attempts.claim(user, p);
    let during: unknown;
    await gate.check(
      check({ status: 'accepted' }, {
        policy: p,
        accepted: async (_verdict, settle) => {
          await settle();
          during = await row();
          await settle();
          return 'ok';
        },
      }),
    );
    expect(during).toMatchObject({ failures: 0, inflight: 1 });
    expect(await row()).toMatchObject({ failures: 0, inflight: 1 });
  });

  it('the caller\'s work failing before settle() gives the attempt back', async () => {
    await refuse();
    const error = new Error('enable failed');
    await expect(gate.check(check({ status: 'accepted' }, { accepted: async () => Promise.reject(error) }))).rejects.toBe(error);
    expect(await row()).toMatchObject({ failures: 1, inflight: 0 });
  });

  it('the caller\'s work failing after settle() gives nothing back twice', async () => {
    const p = { ...seeds, cooldownFromAttempt: 5 };
    await refuse({ policy: p });
    await attempts.claim(user, p);
    const error = new Error('later step failed');
    const failing = check({ status: 'accepted' }, {
      policy: p,
      accepted: async (_verdict, settle) => {
        await settle();
        throw error;
      },
    });
    await expect(gate.check(failing)).rejects.toBe(error);
    expect(await row()).toMatchObject({ failures: 0, inflight: 1 });
  });

  it('an evaluation that throws gives the attempt back and counts nothing', async () => {
    const error = new Error('store down');
    await expect(gate.check(check(() => Promise.reject(error)))).rejects.toBe(error);
    expect(await row()).toMatchObject({ failures: 0, inflight: 0 });
    expect(events.published).toEqual([]);
  });

  it('a wrong code: INVALID_CODE with the attempts left, and TWO_FACTOR_FAILED naming the method', async () => {
    const error = await refuse();
    expect(error).toMatchObject({ code: 'INVALID_CODE', message: 'The code is incorrect.', details: { attemptsRemaining: 4 } });
    expect((error as { details: object }).details).toStrictEqual({ attemptsRemaining: 4 });
    expect(events.published).toEqual([
      { type: 'TWO_FACTOR_FAILED', userId: user, actorId: undefined, client, details: { method: 'EMAIL', reason: 'refused', attemptsRemaining: 4 } },
    ]);
    expect(await row()).toMatchObject({ failures: 1, inflight: 0 });
  });

  it('an expired code: CODE_EXPIRED, counted like a wrong one; an enrollment names its stage', async () => {
    const error = await gate.check(check({ status: 'expired' }, { stage: 'enrollment', method: 'AUTHENTICATOR_APP' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CODE_EXPIRED', message: 'The code has expired.', details: { attemptsRemaining: 4 } });
    expect(events.published[0].details).toEqual({ method: 'AUTHENTICATOR_APP', reason: 'expired', stage: 'enrollment', attemptsRemaining: 4 });
  });

  it('the third failure says when to try again', async () => {
    await refuse();
    await refuse();
    const error = await refuse();
    expect(error).toMatchObject({
      code: 'INVALID_CODE',
      message: 'The code is incorrect. Please try again in five minutes.',
      details: { attemptsRemaining: 2, retryAfterSeconds: 300 },
    });
    clock.advanceMinutes(1);
    expect(await refuse()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: 240 } });
    clock.advanceMinutes(4);
    const expired = await gate.check(check({ status: 'expired' })).catch((e: unknown) => e);
    expect(expired).toMatchObject({ code: 'CODE_EXPIRED', message: 'The code has expired. Please try again in five minutes.' });
  });

  it('the fifth failure locks the user out: every pending sign-in ends, ACCOUNT_LOCKED is published', async () => {
    const p = { ...seeds, cooldownFromAttempt: 5 };
    for (let i = 0; i < 4; i++) await refuse({ policy: p });
    await openSessions();
    const error = await refuse({ policy: p });
    expect(error).toMatchObject({
      code: 'ACCOUNT_LOCKED',
      message: 'Too many failed attempts: sign-in is locked for thirty minutes. Please try again later.',
      details: { retryAfterSeconds: 1800 },
    });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(await live(SessionStage.PENDING_ENROLLMENT)).toBe(0);
    expect(await live(SessionStage.AUTHENTICATED)).toBe(1);
    expect(events.published.at(-2)).toMatchObject({ type: 'TWO_FACTOR_FAILED', details: { method: 'EMAIL', reason: 'refused' } });
    expect(events.published.at(-2)!.details).not.toHaveProperty('attemptsRemaining');
    expect(events.published.at(-1)).toMatchObject({
      type: 'ACCOUNT_LOCKED',
      userId: user,
      client,
      details: { lockedUntil: new Date(START + 30 * 60_000).toISOString(), lockoutMinutes: 30, failures: 5 },
    });
  });

  it('a check during the lockout ends the pending sign-in that asks, without a second ACCOUNT_LOCKED', async () => {
    await attempts.ensure(user);
    await attemptsRepo.update({ userId: user }, { lockedUntil: new Date(START + 60_000) });
    await openSessions();
    let evaluated = false;
    const error = await gate.check(check(async () => ((evaluated = true), { status: 'accepted' }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 60 } });
    expect(evaluated).toBe(false);
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(await live(SessionStage.AUTHENTICATED)).toBe(1);
    expect(events.published).toEqual([]);
  });

  it('a check during a cooldown is refused without looking at the answer, and ends nothing', async () => {
    await refuse();
    await refuse();
    await refuse();
    await openSessions();
    let evaluated = false;
    const error = await gate.check(check(async () => ((evaluated = true), { status: 'accepted' }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(evaluated).toBe(false);
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(1);
  });

  it('a claim whose reaping of a crashed check starts the lockout does what a fifth failure does', async () => {
    const p = { ...seeds, cooldownFromAttempt: 5 };
    for (let i = 0; i < 4; i++) await refuse({ policy: p });
    await attempts.claim(user, p); // a request that crashed mid-check
    clock.advanceMinutes(1);
    await openSessions();
    const error = await refuse({ policy: p });
    expect(error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1800 } });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(events.published.at(-1)).toMatchObject({
      type: 'ACCOUNT_LOCKED',
      details: { lockedUntil: new Date(START + 31 * 60_000).toISOString(), lockoutMinutes: 30, failures: 5 },
    });
  });

  it('a check that fails after its lease, once the lockout it led to runs, ends the sign-in without a second ACCOUNT_LOCKED', async () => {
    const p = { ...seeds, cooldownFromAttempt: 5 };
    for (let i = 0; i < 4; i++) await refuse({ policy: p });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const evaluating = new Promise<void>((resolve) => (started = resolve));
    const slow = gate.check(check(async () => (started(), await held, { status: 'refused' }), { policy: p })).catch((e: unknown) => e);
    await evaluating;
    clock.advanceMinutes(1);
    // Another request reaps the slow one's claim: that starts the lockout.
    expect(await refuse({ policy: p })).toMatchObject({ code: 'ACCOUNT_LOCKED' });
    const lockedEvents = types().filter((t) => t === 'ACCOUNT_LOCKED').length;
    await openSessions();
    release();
    expect(await slow).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1800 } });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(types().filter((t) => t === 'ACCOUNT_LOCKED')).toHaveLength(lockedEvents);
  });

  it('assertNoWait: a lockout ends the pending sign-ins and answers ACCOUNT_LOCKED; a cooldown answers TOO_MANY_ATTEMPTS and ends nothing', async () => {
    await gate.assertNoWait(user, seeds);
    await refuse();
    await refuse();
    await refuse();
    await openSessions();
    await expect(gate.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(1);
    await attemptsRepo.update({ userId: user }, { lockedUntil: new Date(START + 90_000) });
    await expect(gate.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 90 } });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(await live(SessionStage.PENDING_ENROLLMENT)).toBe(0);
    expect(await live(SessionStage.AUTHENTICATED)).toBe(1);
  });

  it('assertNotLocked: passes outside a lockout (even in a cooldown); in one it ends the pending sign-ins', async () => {
    await refuse();
    await refuse();
    await refuse();
    await openSessions();
    await expect(gate.assertNotLocked(user, seeds)).resolves.toBeUndefined();
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(1);
    await attemptsRepo.update({ userId: user }, { lockedUntil: new Date(START + 90_000) });
    await expect(gate.assertNotLocked(user, seeds)).rejects.toMatchObject({
      code: 'ACCOUNT_LOCKED',
      message: 'Too many failed attempts: sign-in is locked for thirty minutes. Please try again later.',
      details: { retryAfterSeconds: 90 },
    });
    expect(await live(SessionStage.PENDING_TWO_FACTOR)).toBe(0);
    expect(await sessionRepo.countBy({ userId: user, revokedAt: Not(IsNull()) })).toBe(2);
  });
});
