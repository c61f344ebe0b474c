import { ManualClock } from '@app/clock';
import { QueryFailedError, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase } from '../../../test/support/memory-database';
import { DomainException } from '../../common/errors/domain.exception';
import { DEFAULT_POLICY, TwoFactorPolicy } from '../policy/policy.types';
import { AttemptClaim, LockoutStarted } from './attempt-outcomes';
import { AttemptsService } from './attempts.service';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';

/** A repository whose row can never be written or read (e.g. the table is being rebuilt). */
function unwritableRepository() {
  const builder = (kind: 'update' | 'insert') => {
    const steps: Record<string, unknown> = {};
    for (const step of ['update', 'set', 'where', 'andWhere', 'setParameters', 'values', 'updateEntity']) steps[step] = () => steps;
    steps.insert = () => builder('insert');
    steps.execute = async () => {
      if (kind === 'insert') throw new QueryFailedError('INSERT', [], new Error('duplicate'));
      return { affected: 0 };
    };
    return steps;
  };
  return {
    createQueryBuilder: () => builder('update'),
    findOneBy: async () => null,
  };
}

describe('AttemptsService', () => {
  it('a claim that can find no row answers RATE_LIMITED (retry) after four rounds, never a bare Error', async () => {
    const repo = unwritableRepository();
    let updates = 0;
    const counting = { ...repo, createQueryBuilder: () => ((updates++, repo.createQueryBuilder())) };
    const service = new AttemptsService(counting as never, new ManualClock(0));
    const error = await service.claim('u1', { ...DEFAULT_POLICY, updatedAt: new Date(0) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainException);
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'Another code for this account is being checked. Try again in a moment.',
      details: { retryAfterSeconds: 1 },
    });
    // Four claim UPDATEs, each followed by an INSERT of the missing row.
    expect(updates).toBe(8);
  });

  it('ensure answers RATE_LIMITED when the row is neither there nor insertable', async () => {
    const service = new AttemptsService(unwritableRepository() as never, new ManualClock(0));
    await expect(service.ensure('u1')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
  });
});

/**
 * The counter's rules in its SQL, on the in-memory SQLite database (the same
 * statements as on MariaDB; test/conditional-update.e2e-spec.ts runs the
 * seeds on both). The numbers are the seeds': five attempts, a five-minute
 * cooldown from the third failure, a 30-minute lockout at the fifth.
 */
describe('AttemptsService on the database', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  let source: Awaited<ReturnType<typeof memoryDatabase>>;
  let repo: Repository<TwoFactorAttemptsEntity>;
  let clock: ManualClock;
  let attempts: AttemptsService;
  let user: string;
  let n = 0;
  const seeds: TwoFactorPolicy = { ...DEFAULT_POLICY, updatedAt: new Date(0) };
  const policy = (changes: Partial<TwoFactorPolicy> = {}): TwoFactorPolicy => ({ ...seeds, ...changes });

  beforeAll(async () => {
    source = await memoryDatabase([TwoFactorAttemptsEntity]);
    repo = source.getRepository(TwoFactorAttemptsEntity);
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    clock = new ManualClock(START);
    attempts = new AttemptsService(repo, clock);
    user = `user-${++n}`;
  });

  const row = async () => (await repo.findOneBy({ userId: user }))!;
  const fail = async (p = seeds) => attempts.failed(await attempts.claim(user, p));
  const refusal = (p = seeds) => attempts.claim(user, p).then(
    () => null,
    (e: unknown) => e as DomainException,
  );
  const minutes = (m: number) => new Date(clock.now().getTime() + m * 60_000);

  it('ensure creates a blank row once and then returns it', async () => {
    await attempts.ensure(`${user}-first`);
    const created = await attempts.ensure(user);
    expect(created).toMatchObject({ userId: user, failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: null });
    await repo.update({ userId: user }, { failures: 2 });
    expect((await attempts.ensure(user)).failures).toBe(2);
    await attempts.create(user);
    expect(await repo.countBy({ userId: user })).toBe(1);
  });

  it('before any attempt: five remaining, nothing to wait for', async () => {
    expect(await attempts.read(user)).toBeNull();
    expect(await attempts.snapshot(user, seeds)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
    await expect(attempts.assertNotLocked(user, seeds)).resolves.toBeUndefined();
    await expect(attempts.assertNoWait(user, seeds)).resolves.toBeUndefined();
  });

  it('a claim creates the missing row, and leases the attempt for 30 seconds', async () => {
    const claim = await attempts.claim(user, seeds);
    expect(claim).toEqual({ userId: user, policy: seeds, leaseUntil: new Date(START + 30_000) });
    expect(await row()).toMatchObject({ failures: 0, inflight: 1, inflightUntil: new Date(START + 30_000) });
  });

  it('two failures are free; the third and fourth start a five-minute cooldown; the fifth locks for 30 minutes', async () => {
    expect(await fail()).toEqual({ kind: 'failed', attemptsRemaining: 4 });
    expect(await row()).toMatchObject({ failures: 1, inflight: 0, cooldownUntil: null, lockedUntil: null });
    expect(await fail()).toEqual({ kind: 'failed', attemptsRemaining: 3 });
    expect(await fail()).toEqual({ kind: 'failed', attemptsRemaining: 2, retryAfterSeconds: 300, cooldownUntil: minutes(5) });
    expect(await row()).toMatchObject({ failures: 3, inflight: 0, cooldownUntil: minutes(5), lockedUntil: null });
    expect(await attempts.snapshot(user, seeds)).toEqual({ attemptsRemaining: 2, retryAvailableAt: minutes(5), lockedForSeconds: 0 });

    // During the cooldown: refused before any code is looked at, with the time left.
    clock.advanceSeconds(100);
    const cooling = await refusal();
    expect(cooling).toBeInstanceOf(DomainException);
    expect(cooling).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', message: 'Please try again in five minutes.', details: { retryAfterSeconds: 200 } });
    await expect(attempts.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: 200 } });
    await expect(attempts.assertNotLocked(user, seeds)).resolves.toBeUndefined();
    // A millisecond before its end it still runs; at its end it is over.
    clock.advance(200_000 - 1);
    expect(await refusal()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: 1 } });
    await expect(attempts.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    clock.advance(1);
    await expect(attempts.assertNoWait(user, seeds)).resolves.toBeUndefined();
    expect(await attempts.snapshot(user, seeds)).toEqual({ attemptsRemaining: 2, retryAvailableAt: null, lockedForSeconds: 0 });

    expect(await fail()).toEqual({ kind: 'failed', attemptsRemaining: 1, retryAfterSeconds: 300, cooldownUntil: minutes(5) });
    clock.advanceMinutes(5);
    const locked = await fail();
    expect(locked).toEqual({ kind: 'locked', lockedUntil: minutes(30), retryAfterSeconds: 1800, started: true });
    // The lockout replaces the cooldown, and the count starts again once it ends.
    expect(await row()).toMatchObject({ failures: 0, inflight: 0, cooldownUntil: null, lockedUntil: minutes(30) });
  });

  it('a lockout refuses every claim until its end, then the count starts again', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await fail(p);
    const outcome = await fail(p);
    expect(outcome).toMatchObject({ kind: 'locked', retryAfterSeconds: 1800, started: true });
    const lockedUntil = minutes(30);
    clock.advanceMinutes(10);
    const refused = await refusal(p);
    expect(refused).toMatchObject({
      code: 'ACCOUNT_LOCKED',
      message: 'Too many failed attempts: sign-in is locked for thirty minutes. Please try again later.',
      details: { retryAfterSeconds: 1200 },
    });
    expect(refused).not.toBeInstanceOf(LockoutStarted);
    await expect(attempts.assertNotLocked(user, p)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1200 } });
    await expect(attempts.assertNoWait(user, p)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1200 } });
    expect(await attempts.snapshot(user, p)).toEqual({ attemptsRemaining: 5, retryAvailableAt: lockedUntil, lockedForSeconds: 1200 });

    clock.set(lockedUntil.getTime() - 1);
    expect(await refusal(p)).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1 } });
    expect((await attempts.snapshot(user, p)).lockedForSeconds).toBe(1);
    clock.set(lockedUntil);
    await expect(attempts.assertNotLocked(user, p)).resolves.toBeUndefined();
    await expect(attempts.assertNoWait(user, p)).resolves.toBeUndefined();
    expect(await attempts.snapshot(user, p)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
    expect(await fail(p)).toEqual({ kind: 'failed', attemptsRemaining: 4 });
  });

  it('a failure during a lockout set by another request reports it as not started here', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await fail(p);
    const claim = await attempts.claim(user, p);
    await repo.update({ userId: user }, { lockedUntil: minutes(30) });
    // This failure's UPDATE runs during the lockout another request set: the count restarts, the lockout stays.
    const outcome = await attempts.failed(claim);
    expect(outcome).toEqual({ kind: 'locked', lockedUntil: minutes(30), retryAfterSeconds: 1800, started: true });
  });

  it('a success clears the failures and the cooldown, and gives the claim back', async () => {
    await fail();
    await fail();
    await fail();
    clock.advanceMinutes(5);
    await attempts.succeeded(await attempts.claim(user, seeds));
    expect(await row()).toMatchObject({ failures: 0, inflight: 0, cooldownUntil: null });
    expect(await attempts.snapshot(user, seeds)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
  });

  it('a released claim counts as nothing', async () => {
    await fail();
    await attempts.released(await attempts.claim(user, seeds));
    expect(await row()).toMatchObject({ failures: 1, inflight: 0 });
    expect(await fail()).toEqual({ kind: 'failed', attemptsRemaining: 3 });
  });

  it('claims that cannot start a cooldown run side by side; from there on one at a time', async () => {
    const first = await attempts.claim(user, seeds);
    const second = await attempts.claim(user, seeds);
    expect((await row()).inflight).toBe(2);
    // A third could be the third failure (a cooldown): it waits for the two.
    const busy = await refusal();
    expect(busy).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    await attempts.failed(first);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED' });
    await attempts.failed(second);
    // Two failures: the next claim may start a cooldown, so it is alone.
    const third = await attempts.claim(user, seeds);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED' });
    await attempts.released(third);
    expect((await row()).inflight).toBe(0);
    await attempts.claim(user, seeds);
  });

  it('with a cooldown from the first failure, every claim is alone', async () => {
    const p = policy({ cooldownFromAttempt: 1 });
    await attempts.claim(user, p);
    expect(await refusal(p)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('with no cooldown before the lockout, claims run side by side up to the last attempt', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await attempts.claim(user, p);
    expect((await row()).inflight).toBe(4);
    expect(await refusal(p)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a claim not settled within its lease is counted as a failure by the next claim', async () => {
    await fail();
    await fail();
    const stale = await attempts.claim(user, seeds);
    clock.advance(30_000 - 1);
    // Still leased: it owns its unit, and from the third failure on a claim is alone.
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED' });
    clock.advance(1);
    // Lapsed at 30 s: counted as the third failure (no cooldown started), then this claim goes through.
    const fresh = await attempts.claim(user, seeds);
    expect(await row()).toMatchObject({ failures: 3, inflight: 1, cooldownUntil: null, inflightUntil: new Date(clock.now().getTime() + 30_000) });
    // The stale claim settles late: nothing is added and nothing given back.
    expect(await attempts.failed(stale)).toEqual({ kind: 'failed', attemptsRemaining: 2 });
    await attempts.released(stale);
    expect(await row()).toMatchObject({ failures: 3, inflight: 1 });
    await attempts.released(fresh);
    expect((await row()).inflight).toBe(0);
  });

  it('claims side by side share the later lease', async () => {
    const first = await attempts.claim(user, seeds);
    clock.advanceSeconds(20);
    await attempts.claim(user, seeds);
    clock.advanceSeconds(15);
    // The first claim's own lease ended (it no longer owns a unit), but the row's lease runs: nothing lapsed yet.
    await attempts.released(first);
    expect(await row()).toMatchObject({ failures: 0, inflight: 2 });
    clock.advanceSeconds(15);
    await attempts.claim(user, seeds);
    expect(await row()).toMatchObject({ failures: 2, inflight: 1 });
  });

  it('a late success reaps first and leaves the other claims in flight', async () => {
    const stale = await attempts.claim(user, seeds);
    clock.advanceSeconds(31);
    const fresh = await attempts.claim(user, seeds);
    expect(await row()).toMatchObject({ failures: 1, inflight: 1 });
    await attempts.succeeded(stale);
    expect(await row()).toMatchObject({ failures: 0, inflight: 1 });
    await attempts.succeeded(fresh);
    expect(await row()).toMatchObject({ failures: 0, inflight: 0 });
  });

  it('a late success reaps a lapsed claim that is still in the row before clearing', async () => {
    const stale = await attempts.claim(user, seeds);
    clock.advanceSeconds(31);
    await attempts.succeeded(stale);
    expect(await row()).toMatchObject({ failures: 0, inflight: 0, inflightUntil: null });
  });

  it('a late failure whose lapsed claim is still in the row counts it once', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    await fail(p);
    const stale = await attempts.claim(user, p);
    clock.advanceSeconds(31);
    expect(await attempts.failed(stale)).toEqual({ kind: 'failed', attemptsRemaining: 3 });
    expect(await row()).toMatchObject({ failures: 2, inflight: 0, inflightUntil: null });
  });

  it('reaping the lapsed claims that reach the maximum starts the lockout (LockoutStarted)', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await fail(p);
    await attempts.claim(user, p);
    clock.advanceMinutes(1);
    const error = await refusal(p);
    expect(error).toBeInstanceOf(LockoutStarted);
    expect(error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1800 }, lockedUntil: minutes(30) });
    expect(await row()).toMatchObject({ failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: minutes(30) });
  });

  it('reaping below the maximum starts no cooldown', async () => {
    await fail();
    await fail();
    await attempts.claim(user, seeds);
    clock.advanceMinutes(1);
    await attempts.claim(user, seeds);
    expect(await row()).toMatchObject({ failures: 3, inflight: 1, cooldownUntil: null, lockedUntil: null });
  });

  it('a late failure that reaps the last attempt reports the lockout as started', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await fail(p);
    const stale = await attempts.claim(user, p);
    clock.advanceMinutes(1);
    expect(await attempts.failed(stale)).toEqual({ kind: 'locked', lockedUntil: minutes(30), retryAfterSeconds: 1800, started: true });
  });

  it('a late failure after the lockout it led to reports it as already running', async () => {
    const p = policy({ cooldownFromAttempt: 5 });
    for (let i = 0; i < 4; i++) await fail(p);
    const stale = await attempts.claim(user, p);
    clock.advanceMinutes(1);
    await refusal(p);
    expect(await attempts.failed(stale)).toEqual({ kind: 'locked', lockedUntil: minutes(30), retryAfterSeconds: 1800, started: false });
  });

  it('an admin who lowers maxAttempts below the count leaves the user one attempt', async () => {
    const loose = policy({ maxAttempts: 10, cooldownFromAttempt: 10 });
    for (let i = 0; i < 6; i++) await fail(loose);
    const strict = policy({ maxAttempts: 3, cooldownFromAttempt: 3 });
    expect((await attempts.snapshot(user, strict)).attemptsRemaining).toBe(0);
    const claim = await attempts.claim(user, strict);
    expect(await attempts.failed(claim)).toMatchObject({ kind: 'locked', started: true });
  });

  it('a success with the lowered maximum still clears the count', async () => {
    const loose = policy({ maxAttempts: 10, cooldownFromAttempt: 10 });
    for (let i = 0; i < 6; i++) await fail(loose);
    await attempts.succeeded(await attempts.claim(user, policy({ maxAttempts: 3, cooldownFromAttempt: 3 })));
    expect((await row()).failures).toBe(0);
  });

  it('a cooldown policy raised above the count starts no cooldown', async () => {
    await fail();
    await fail();
    expect(await fail(policy({ cooldownFromAttempt: 4 }))).toEqual({ kind: 'failed', attemptsRemaining: 2 });
    expect((await row()).cooldownUntil).toBeNull();
  });

  it('a cooldown and the lockout use the policy\'s minutes', async () => {
    const p = policy({ maxAttempts: 2, cooldownFromAttempt: 1, cooldownMinutes: 7, lockoutMinutes: 45 });
    expect(await fail(p)).toEqual({ kind: 'failed', attemptsRemaining: 1, retryAfterSeconds: 420, cooldownUntil: minutes(7) });
    expect(await refusal(p)).toMatchObject({ message: 'Please try again in seven minutes.' });
    clock.advanceMinutes(7);
    expect(await fail(p)).toEqual({ kind: 'locked', lockedUntil: minutes(45), retryAfterSeconds: 2700, started: true });
  });

  it('a failure outcome during a cooldown set by another request: no retry time unless in the cooldown zone', async () => {
    const claim = await attempts.claim(user, seeds);
    await repo.update({ userId: user }, { cooldownUntil: minutes(5) });
    expect(await attempts.failed(claim)).toEqual({ kind: 'failed', attemptsRemaining: 4 });
  });

  it('the retry time is the later of a cooldown and a lockout', async () => {
    await attempts.ensure(user);
    await repo.update({ userId: user }, { cooldownUntil: minutes(5), lockedUntil: minutes(3) });
    expect((await attempts.snapshot(user, seeds)).retryAvailableAt).toEqual(minutes(5));
    await repo.update({ userId: user }, { cooldownUntil: minutes(2), lockedUntil: minutes(3) });
    expect(await attempts.snapshot(user, seeds)).toEqual({ attemptsRemaining: 5, retryAvailableAt: minutes(3), lockedForSeconds: 180 });
    // Both running: the lockout is the answer.
    expect(await refusal()).toMatchObject({ code: 'ACCOUNT_LOCKED' });
    await expect(attempts.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    await repo.update({ userId: user }, { cooldownUntil: minutes(2), lockedUntil: minutes(-1) });
    await expect(attempts.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(await refusal()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
  });

  it('snapshot counts at most maxAttempts failures', async () => {
    await attempts.ensure(user);
    await repo.update({ userId: user }, { failures: 7 });
    expect((await attempts.snapshot(user, seeds)).attemptsRemaining).toBe(0);
    await repo.update({ userId: user }, { failures: 2 });
    expect((await attempts.snapshot(user, seeds)).attemptsRemaining).toBe(3);
  });

  it('clear forgets the count, the claims in flight, the cooldown and the lockout', async () => {
    await fail();
    await fail();
    await fail();
    const claim: AttemptClaim = { userId: user, policy: seeds, leaseUntil: minutes(10) };
    await repo.update({ userId: user }, { inflight: 1, inflightUntil: minutes(1), lockedUntil: minutes(30) });
    await attempts.clear(user);
    expect(await row()).toMatchObject({ failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: null });
    // A claim settled after the reset gives nothing back below zero.
    await attempts.released(claim);
    expect((await row()).inflight).toBe(0);
  });

  it('a claim keeps the later lease of the claims in flight', async () => {
    await attempts.claim(user, seeds);
    clock.advanceSeconds(10);
    await attempts.claim(user, seeds);
    expect((await row()).inflightUntil).toEqual(new Date(START + 40_000));
    await repo.update({ userId: user }, { inflightUntil: new Date(START + 60_000) });
    await attempts.released({ userId: user, policy: seeds, leaseUntil: new Date(START + 60_000) });
    await attempts.claim(user, seeds);
    expect((await row()).inflightUntil).toEqual(new Date(START + 60_000));
  });

  it('claims only its own user', async () => {
    const other = `${user}-other`;
    await fail();
    await attempts.claim(user, seeds);
    await attempts.ensure(other);
    await attempts.failed(await attempts.claim(other, seeds));
    await attempts.succeeded(await attempts.claim(other, seeds));
    await attempts.released(await attempts.claim(other, seeds));
    await attempts.clear(other);
    expect(await row()).toMatchObject({ failures: 1, inflight: 1 });
  });

  it('a lockout set while a claim is in flight answers ACCOUNT_LOCKED, not RATE_LIMITED', async () => {
    await attempts.claim(user, seeds);
    await repo.update({ userId: user }, { lockedUntil: minutes(30) });
    expect(await refusal()).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 1800 } });
  });

  it('lapsed claims reaped by another request meanwhile: this claim tries again', async () => {
    await attempts.claim(user, seeds);
    clock.advanceMinutes(1);
    let reads = 0;
    const racing = new Proxy(repo, {
      get(target, key, receiver) {
        if (key !== 'findOneBy') return Reflect.get(target, key, receiver);
        return async (where: never) => {
          const found = await target.findOneBy(where);
          // Another request reaps the lapsed claim between this read and this request's reap.
          if (reads++ === 0) await target.update({ userId: user }, { failures: 1, inflight: 0, inflightUntil: null });
          return found;
        };
      },
    });
    await new AttemptsService(racing, clock).claim(user, seeds);
    expect(await row()).toMatchObject({ failures: 1, inflight: 1 });
  });

  it('a cooldown that ended is no reason to refuse: a busy claim is RATE_LIMITED', async () => {
    await fail();
    await fail();
    await fail();
    clock.advanceMinutes(5);
    // At the cooldown's very end, and after it.
    await attempts.claim(user, seeds);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED' });
    clock.advanceSeconds(20);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a lockout ending now is over: a running cooldown is the answer', async () => {
    await attempts.ensure(user);
    await repo.update({ userId: user }, { lockedUntil: minutes(0), cooldownUntil: minutes(1) });
    await expect(attempts.assertNoWait(user, seeds)).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: 60 } });
  });

  it('a late failure reaped after a cooldown ended reports no retry time', async () => {
    await attempts.ensure(user);
    // Three failures, a cooldown ending right now, and a claim whose lease lapsed right now.
    await repo.update({ userId: user }, { failures: 3, cooldownUntil: minutes(0), inflight: 1, inflightUntil: minutes(0) });
    const stale: AttemptClaim = { userId: user, policy: seeds, leaseUntil: minutes(0) };
    expect(await attempts.failed(stale)).toStrictEqual({ kind: 'failed', attemptsRemaining: 1 });
  });

});
