import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { TwoFactorPolicy } from '../policy/policy.types';
import { minutesInWords, tryAgainIn } from './duration-words';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';

/** An in-flight claim lapses after this long (a request that crashed mid-check must not block the user). */
const CLAIM_LEASE_SECONDS = 30;

/** A claimed attempt: the right to evaluate one code. Settle it with succeeded, failed or released. */
export interface AttemptClaim {
  userId: string;
  policy: TwoFactorPolicy;
}

/** What a failure led to. */
export type FailureOutcome =
  | { kind: 'failed'; attemptsRemaining: number; /** Set when this failure started a cooldown. */ retryAfterSeconds?: number; cooldownUntil?: Date }
  | { kind: 'locked'; lockedUntil: Date; retryAfterSeconds: number };

export interface AttemptsSnapshot {
  attemptsRemaining: number;
  /** End of a running cooldown or lockout, else null. */
  retryAvailableAt: Date | null;
}

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
    try {
      await this.attempts.insert({ userId, failures: 0, inflight: 0, inflightUntil: null, cooldownUntil: null, lockedUntil: null });
    } catch (error) {
      if (!(error instanceof QueryFailedError)) throw error;
    }
    return (await this.attempts.findOneBy({ userId }))!;
  }

  /** Seconds until the user's lockout ends, or 0. */
  async lockedForSeconds(userId: string): Promise<number> {
    const row = await this.attempts.findOneBy({ userId });
    const now = this.clock.now();
    return row?.lockedUntil && row.lockedUntil > now ? secondsUntil(row.lockedUntil, now) : 0;
  }

  /** ACCOUNT_LOCKED with retryAfterSeconds while the user is locked out. */
  async assertNotLocked(userId: string, policy: TwoFactorPolicy): Promise<void> {
    const seconds = await this.lockedForSeconds(userId);
    if (seconds > 0) throw lockedError(seconds, policy);
  }

  /** For the challenge's attemptsRemaining and retryAvailableAt. */
  async snapshot(userId: string, policy: TwoFactorPolicy): Promise<AttemptsSnapshot> {
    const row = await this.attempts.findOneBy({ userId });
    const now = this.clock.now();
    const failures = Math.min(row?.failures ?? 0, policy.maxAttempts);
    const ends = [row?.cooldownUntil, row?.lockedUntil].filter((d): d is Date => !!d && d > now);
    return {
      attemptsRemaining: Math.max(0, policy.maxAttempts - failures),
      retryAvailableAt: ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null,
    };
  }

  /**
   * Claims one attempt, or throws: ACCOUNT_LOCKED, TOO_MANY_ATTEMPTS (a
   * cooldown runs) or RATE_LIMITED (another attempt of this user is being
   * checked and this one could start a cooldown).
   */
  async claim(userId: string, policy: TwoFactorPolicy): Promise<AttemptClaim> {
    for (let tries = 0; tries < 2; tries++) {
      const now = this.clock.now();
      const { inflight, failures } = expressions();
      const result = await this.attempts
        .createQueryBuilder()
        .update()
        // Order matters on MySQL (assignments see earlier ones): inflight reads inflightUntil before it changes.
        .set({ inflight: () => `${inflight} + 1`, inflightUntil: addSeconds(now, CLAIM_LEASE_SECONDS) })
        .where('userId = :userId')
        .andWhere('(lockedUntil IS NULL OR lockedUntil <= :now)')
        .andWhere('(cooldownUntil IS NULL OR cooldownUntil <= :now)')
        .andWhere(`${failures} + ${inflight} < :max`)
        .andWhere(`(${failures} + ${inflight} < :free OR ${inflight} = 0)`)
        .setParameters({ userId, now, ...limits(policy) })
        .execute();
      if ((result.affected ?? 0) > 0) return { userId, policy };
      const row = await this.attempts.findOneBy({ userId });
      if (!row) {
        await this.ensure(userId);
        continue;
      }
      throw this.refusal(row, policy, now);
    }
    throw new Error('attempt row could not be created');
  }

  /** The code was right: the count starts again. */
  async succeeded(claim: AttemptClaim): Promise<void> {
    await this.attempts
      .createQueryBuilder()
      .update()
      .set({ cooldownUntil: null, inflight: () => RELEASE, failures: 0 })
      .where('userId = :userId', { userId: claim.userId })
      .execute();
  }

  /** Nothing was decided (e.g. the session ended meanwhile): the claim is given back. */
  async released(claim: AttemptClaim): Promise<void> {
    await this.attempts
      .createQueryBuilder()
      .update()
      .set({ inflight: () => RELEASE })
      .where('userId = :userId', { userId: claim.userId })
      .execute();
  }

  /**
   * The code was wrong: one failure more. From cooldownFromAttempt on it
   * starts a cooldown; at maxAttempts it locks the user out (and the count
   * starts again once the lockout ends). One UPDATE, so the lockout cannot be
   * lost between two statements.
   */
  async failed(claim: AttemptClaim): Promise<FailureOutcome> {
    const { policy, userId } = claim;
    const now = this.clock.now();
    const { failures } = expressions();
    const next = `(${failures} + 1)`;
    await this.attempts
      .createQueryBuilder()
      .update()
      // failures last: on MySQL the other assignments must still see the old count.
      .set({
        lockedUntil: () => `CASE WHEN ${next} >= :max THEN :lockEnd ELSE lockedUntil END`,
        cooldownUntil: () => `CASE WHEN ${next} >= :max THEN NULL WHEN ${next} >= :cooldownFrom THEN :cooldownEnd ELSE cooldownUntil END`,
        inflight: () => RELEASE,
        failures: () => `CASE WHEN ${next} >= :max THEN 0 ELSE ${next} END`,
      })
      .where('userId = :userId')
      .setParameters({
        userId,
        ...limits(policy),
        lockEnd: addMinutes(now, policy.lockoutMinutes),
        cooldownEnd: addMinutes(now, policy.cooldownMinutes),
      })
      .execute();
    // From the cooldown zone on only one claim is in flight, so this row is what our failure made.
    const row = (await this.attempts.findOneBy({ userId }))!;
    if (row.lockedUntil && row.lockedUntil > now) {
      return { kind: 'locked', lockedUntil: row.lockedUntil, retryAfterSeconds: secondsUntil(row.lockedUntil, now) };
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
    return new DomainException(ErrorCode.RATE_LIMITED, 'Another code for this account is being checked. Try again in a moment.', {
      retryAfterSeconds: 1,
    });
  }
}

/** Give back one in-flight claim. */
const RELEASE = 'CASE WHEN inflight > 0 THEN inflight - 1 ELSE 0 END';

/** SQL for the live claim count (lapsed leases count as none) and the failure count capped below the policy's maximum. */
function expressions() {
  return {
    inflight: '(CASE WHEN inflightUntil IS NOT NULL AND inflightUntil > :now THEN inflight ELSE 0 END)',
    // Capped: an admin who lowers maxAttempts below a user's count leaves them one attempt, not a dead end.
    failures: '(CASE WHEN failures >= :max THEN :maxLess1 ELSE failures END)',
  };
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

export function lockedError(retryAfterSeconds: number, policy: TwoFactorPolicy): DomainException {
  return new DomainException(
    ErrorCode.ACCOUNT_LOCKED,
    `Too many failed attempts: sign-in is locked for ${minutesInWords(policy.lockoutMinutes)}. Please try again later.`,
    { retryAfterSeconds },
  );
}
