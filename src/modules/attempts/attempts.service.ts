import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { conditionalUpdate } from '../../database/conditional-update';
import { hydrate, JoinedRead, selectColumns } from '../../database/joined-read';
import { insertIfAbsent } from '../../database/insert-rows';
import { TwoFactorPolicy } from '../policy/policy.types';
import { AttemptClaim, AttemptsSnapshot, busy, FailureOutcome, lockedError, LockoutStarted } from './attempt-outcomes';
import { tryAgainIn } from './duration-words';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';

/** An in-flight claim lapses after this long (a request that crashed mid-check must not block the user). */
const CLAIM_LEASE_SECONDS = 30;

/** Claim rounds (a missing row, a lease lapsing meanwhile) before a request is told to retry. */
const CLAIM_ROUNDS = 4;

/**
 * The per-user count of failed second-factor entries (the seeds: five
 * attempts, a cooldown from the third failure on, then a lockout).
 *
 * Every attempt is CLAIMED before its code is looked at, with one conditional
 * UPDATE that succeeds only when no cooldown or lockout runs and the claims in
 * flight plus the failures stay within the policy. Failures that cannot start
 * a cooldown (the first cooldownFromAttempt - 1) may be checked side by side;
 * from there on one claim at a time, so parallel requests or aliased fields
 * get exactly the evaluations a patient attacker would. The claim then turns
 * into a failure (which may start the cooldown or the lockout in the same
 * UPDATE), a success (clears the count) or is released. No transaction: a
 * failure's record is never rolled back.
 *
 * A claim not settled within its lease (the request crashed, or stalled) is
 * counted as a failure by the next claim or settlement (reap), without
 * starting a cooldown: it may still be evaluating, so forgetting it would
 * give a parallel request an evaluation beyond maxAttempts. A claim settled
 * after its lease gives nothing back (its unit is, or will be, that failure),
 * so it never subtracts another claim's unit.
 */
@Injectable()
export class AttemptsService {
  constructor(
    @InjectRepository(TwoFactorAttemptsEntity) private readonly attempts: Repository<TwoFactorAttemptsEntity>,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The user's row, created when missing (a race with another creator is fine). */
  async ensure(userId: string): Promise<TwoFactorAttemptsEntity> {
    const row = await this.attempts.findOneBy({ userId });
    if (row) return row;
    await this.create(userId);
    const created = await this.attempts.findOneBy({ userId });
    // Neither there nor insertable (the table is being rebuilt?): an answer the client can act on, not a crash.
    if (!created) throw busy();
    return created;
  }

  /**
   * A blank row for the user; another request creating it first is fine.
   * The sign-in creates it when it opens a user's first challenge, so that
   * the claim of each attempt is one UPDATE.
   */
  async create(userId: string): Promise<void> {
    await insertIfAbsent(this.attempts, { userId, failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: null });
  }

  /** ACCOUNT_LOCKED with retryAfterSeconds while the user is locked out. */
  async assertNotLocked(userId: string, policy: TwoFactorPolicy): Promise<void> {
    const { lockedForSeconds } = await this.snapshot(userId, policy);
    if (lockedForSeconds > 0) throw lockedError(lockedForSeconds, policy);
  }

  /** ACCOUNT_LOCKED or TOO_MANY_ATTEMPTS (with retryAfterSeconds) while a lockout or cooldown runs. */
  async assertNoWait(userId: string, policy: TwoFactorPolicy): Promise<void> {
    const row = await this.read(userId);
    const now = this.clock.now();
    if (row && ((row.lockedUntil && row.lockedUntil > now) || (row.cooldownUntil && row.cooldownUntil > now))) throw this.refusal(row, policy, now);
  }

  /** For the challenge's attemptsRemaining and retryAvailableAt, and whether a lockout runs: one read. */
  async snapshot(userId: string, policy: TwoFactorPolicy): Promise<AttemptsSnapshot> {
    return this.snapshotOf(await this.read(userId), policy);
  }

  /** The user's counter row as part of another statement (the sign-in read), for `userIdColumn`. */
  joined(alias: string, prefix: string, userIdColumn: string): JoinedRead<TwoFactorAttemptsEntity | null> {
    const table = this.attempts.manager.connection.driver.escape(this.attempts.metadata.tableName);
    return {
      join: `${table} ${alias} ON ${alias}.userId = ${userIdColumn}`,
      columns: selectColumns(this.attempts, alias, prefix),
      read: (row) => hydrate(this.attempts, row, prefix),
    };
  }

  /** The user's counter row as it is (null before their first attempt). */
  read(userId: string): Promise<TwoFactorAttemptsEntity | null> {
    return this.attempts.findOneBy({ userId });
  }

  /** Several users' rows (a page of users). */
  readMany(userIds: string[]): Promise<TwoFactorAttemptsEntity[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.attempts.findBy({ userId: In(userIds) });
  }

  snapshotOf(row: TwoFactorAttemptsEntity | null, policy: TwoFactorPolicy): AttemptsSnapshot {
    const now = this.clock.now();
    const failures = Math.min(row?.failures ?? 0, policy.maxAttempts);
    const ends = [row?.cooldownUntil, row?.lockedUntil].filter((d): d is Date => !!d && d > now);
    return {
      attemptsRemaining: Math.max(0, policy.maxAttempts - failures),
      retryAvailableAt: ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null,
      lockedForSeconds: row?.lockedUntil && row.lockedUntil > now ? secondsUntil(row.lockedUntil, now) : 0,
    };
  }

  /**
   * Claims one attempt, or throws: ACCOUNT_LOCKED, TOO_MANY_ATTEMPTS (a
   * cooldown runs) or RATE_LIMITED (another attempt of this user is being
   * checked and this one could start a cooldown).
   */
  async claim(userId: string, policy: TwoFactorPolicy): Promise<AttemptClaim> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = this.clock.now();
      const leaseUntil = addSeconds(now, CLAIM_LEASE_SECONDS);
      const claimed = await conditionalUpdate(this.attempts, {
        set: {
          inflight: () => 'inflight + 1',
          inflightUntil: () => 'CASE WHEN inflightUntil IS NOT NULL AND inflightUntil > :leaseUntil THEN inflightUntil ELSE :leaseUntil END',
        },
        where: [
          'userId = :userId',
          '(lockedUntil IS NULL OR lockedUntil <= :now)',
          '(cooldownUntil IS NULL OR cooldownUntil <= :now)',
          // No lapsed claim left uncounted: a refusal below reaps them, then the claim is tried again.
          '(inflight = 0 OR inflightUntil > :now)',
          `${FAILURES} + inflight < :max`,
          `(${FAILURES} + inflight < :free OR inflight = 0)`,
        ].join(' AND '),
        parameters: { userId, now, leaseUntil, ...limits(policy) },
      });
      if (claimed > 0) return { userId, policy, leaseUntil };
      // Refused: find out why (the common path above is one statement).
      const row = await this.attempts.findOneBy({ userId });
      if (!row) {
        await this.create(userId);
        continue;
      }
      if (row.inflight > 0 && row.inflightUntil && row.inflightUntil <= now) {
        const reaped = await this.reap(userId, policy, now);
        if (reaped?.kind === 'locked') throw new LockoutStarted(reaped, policy);
        continue;
      }
      throw this.refusal(row, policy, now);
    }
    // Only under a storm of requests racing on one row (or a row that cannot be written): an answer the client can act on.
    throw busy();
  }

  /** The code was right: the count starts again (a running lockout is kept). */
  async succeeded(claim: AttemptClaim): Promise<void> {
    const now = this.clock.now();
    const own = owns(claim, now);
    if (!own) await this.reap(claim.userId, claim.policy, now);
    await conditionalUpdate(this.attempts, {
      set: { cooldownUntil: null, ...(own && { inflight: () => RELEASE }), failures: 0 },
      where: 'userId = :userId',
      parameters: { userId: claim.userId },
    });
  }

  /** Nothing was decided (e.g. the session ended meanwhile): the claim is given back, if its lease still runs. */
  async released(claim: AttemptClaim): Promise<void> {
    if (!owns(claim, this.clock.now())) return;
    await conditionalUpdate(this.attempts, { set: { inflight: () => RELEASE }, where: 'userId = :userId', parameters: { userId: claim.userId } });
  }

  /**
   * The code was wrong: one failure more. From cooldownFromAttempt on it
   * starts a cooldown; at maxAttempts it locks the user out (and the count
   * starts again once the lockout ends). One UPDATE, so the lockout cannot be
   * lost between two statements. A claim past its lease was counted as a
   * failure when it lapsed: nothing is added, the outcome is the row's.
   */
  async failed(claim: AttemptClaim): Promise<FailureOutcome> {
    const { policy, userId } = claim;
    const now = this.clock.now();
    if (!owns(claim, now)) {
      const reaped = await this.reap(userId, policy, now);
      if (reaped) return reaped;
      return this.outcome((await this.ensure(userId)), policy, now, false);
    }
    const next = `(${FAILURES} + 1)`;
    await conditionalUpdate(this.attempts, {
      set: {
        lockedUntil: () => `CASE WHEN ${next} >= :max THEN :lockEnd ELSE lockedUntil END`,
        cooldownUntil: () => `CASE WHEN ${next} >= :max THEN NULL WHEN ${next} >= :cooldownFrom THEN :cooldownEnd ELSE cooldownUntil END`,
        inflight: () => RELEASE,
        failures: () => `CASE WHEN ${next} >= :max THEN 0 ELSE ${next} END`,
      },
      where: 'userId = :userId',
      parameters: {
        userId,
        ...limits(policy),
        lockEnd: addMinutes(now, policy.lockoutMinutes),
        cooldownEnd: addMinutes(now, policy.cooldownMinutes),
      },
    });
    // From the cooldown zone on only one claim is in flight, so this row is what our failure made.
    return this.outcome(await this.ensure(userId), policy, now, true);
  }

  /**
   * Clears the user's count, cooldown and lockout (an admin reset their
   * second factor: they start over). Claims in flight lose their unit: a
   * late settlement of one gives nothing back (its lease is checked first).
   */
  async clear(userId: string): Promise<void> {
    await conditionalUpdate(this.attempts, {
      set: { failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: null },
      where: 'userId = :userId',
      parameters: { userId },
    });
  }

  /**
   * Counts the claims whose lease lapsed as failures (one conditional
   * UPDATE: only a row that still holds lapsed claims changes). No cooldown
   * is started for them; reaching maxAttempts locks the user out. Returns the
   * outcome when this call reaped, else null.
   */
  private async reap(userId: string, policy: TwoFactorPolicy, now: Date): Promise<FailureOutcome | null> {
    const next = `(${FAILURES} + inflight)`;
    const reaped = await conditionalUpdate(this.attempts, {
      set: {
        lockedUntil: () => `CASE WHEN ${next} >= :max THEN :lockEnd ELSE lockedUntil END`,
        cooldownUntil: () => `CASE WHEN ${next} >= :max THEN NULL ELSE cooldownUntil END`,
        failures: () => `CASE WHEN ${next} >= :max THEN 0 ELSE ${next} END`,
        inflight: 0,
        inflightUntil: null,
      },
      where: 'userId = :userId AND inflight > 0 AND inflightUntil IS NOT NULL AND inflightUntil <= :now',
      parameters: { userId, now, ...limits(policy), lockEnd: addMinutes(now, policy.lockoutMinutes) },
    });
    if (reaped === 0) return null;
    return this.outcome(await this.ensure(userId), policy, now, true);
  }

  private outcome(row: TwoFactorAttemptsEntity, policy: TwoFactorPolicy, now: Date, ours: boolean): FailureOutcome {
    if (row.lockedUntil && row.lockedUntil > now) {
      return { kind: 'locked', lockedUntil: row.lockedUntil, retryAfterSeconds: secondsUntil(row.lockedUntil, now), started: ours };
    }
    const attemptsRemaining = Math.max(0, policy.maxAttempts - row.failures);
    if (row.failures >= policy.cooldownFromAttempt && row.cooldownUntil && row.cooldownUntil > now) {
      return { kind: 'failed', attemptsRemaining, retryAfterSeconds: secondsUntil(row.cooldownUntil, now), cooldownUntil: row.cooldownUntil };
    }
    return { kind: 'failed', attemptsRemaining };
  }

  private refusal(row: TwoFactorAttemptsEntity, policy: TwoFactorPolicy, now: Date): DomainException {
    if (row.lockedUntil && row.lockedUntil > now) return lockedError(secondsUntil(row.lockedUntil, now), policy);
    if (row.cooldownUntil && row.cooldownUntil > now) {
      return new DomainException(ErrorCode.TOO_MANY_ATTEMPTS, tryAgainIn(policy.cooldownMinutes), {
        retryAfterSeconds: secondsUntil(row.cooldownUntil, now),
      });
    }
    return busy();
  }
}

/** Give back one in-flight claim. */
const RELEASE = 'CASE WHEN inflight > 0 THEN inflight - 1 ELSE 0 END';

/** The failure count capped below the policy's maximum: an admin who lowers maxAttempts below a user's count leaves them one attempt, not a dead end. */
const FAILURES = '(CASE WHEN failures >= :max THEN :maxLess1 ELSE failures END)';

/** Whether the claim still owns its unit of the in-flight count. */
function owns(claim: AttemptClaim, now: Date): boolean {
  return claim.leaseUntil.getTime() > now.getTime();
}

function limits(policy: TwoFactorPolicy) {
  const max = Math.max(1, policy.maxAttempts);
  return {
    max,
    maxLess1: max - 1,
    cooldownFrom: policy.cooldownFromAttempt,
    // Claims whose failure could neither start a cooldown nor lock may run side by side.
    free: Math.max(0, Math.min(policy.cooldownFromAttempt, max) - 1),
  };
}
