import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { EventBus } from '../events/event-bus';
import { TwoFactorPolicy } from '../policy/policy.types';
import { SecurityEventType } from '../security-events/security-event-type';
import { AttemptClaim, lockedError, LockoutStarted } from './attempt-outcomes';
import { AttemptsService } from './attempts.service';
import { tryAgainIn } from './duration-words';
import { LockoutService } from './lockout.service';

/** What a method made of an answer. */
export type AcceptedVerdict = { status: 'accepted'; /** Facts for the events, never the code. */ details?: Record<string, string | number | boolean>; trustsDevice?: boolean };
/** 'unavailable': the user has no such method; the attempt is given back (METHOD_NOT_AVAILABLE). */
export type CheckVerdict = AcceptedVerdict | { status: 'refused' } | { status: 'expired' } | { status: 'unavailable' };

/** One code check (a verification at sign-in, a confirmation at enrollment) to run under the user's attempts. */
export interface GatedCheck<T> {
  userId: string;
  policy: TwoFactorPolicy;
  client: ClientInfo | null;
  /** The method whose answer is checked (TWO_FACTOR_FAILED names it). */
  method: string;
  /** Where the check happens, for the event. */
  stage: 'sign-in' | 'enrollment';
  /** Looks at the answer; consumes whatever is single-use. */
  evaluate(): Promise<CheckVerdict>;
  /**
   * The caller's work once the answer is right (end the pending session,
   * turn the method on...). Calling `settle()` clears the failure count at
   * once (so it can run beside other work); otherwise it is cleared after.
   * Throwing before settle() gives the attempt back.
   */
  accepted(verdict: AcceptedVerdict, settle: () => Promise<void>): Promise<T>;
}

/**
 * The one attempt gate: every check of a code or credential, by every
 * method, at sign-in and at enrollment, passes here. The attempt is claimed
 * (one conditional UPDATE, refused during a cooldown or lockout) before the
 * answer is looked at; a wrong answer is counted, may start the cooldown
 * and, at the policy's maxAttempts, the lockout (LockoutService). Restarting
 * a sign-in or an enrollment never resets the count: it is the user's.
 */
@Injectable()
export class AttemptGate {
  constructor(
    private readonly attempts: AttemptsService,
    private readonly lockout: LockoutService,
    private readonly events: EventBus,
  ) {}

  async check<T>(check: GatedCheck<T>): Promise<T> {
    const claim = await this.claim(check);
    let verdict: CheckVerdict;
    try {
      verdict = await check.evaluate();
    } catch (error) {
      await this.attempts.released(claim);
      throw error;
    }
    if (verdict.status === 'unavailable') {
      await this.attempts.released(claim);
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE);
    }
    if (verdict.status !== 'accepted') throw await this.failure(check, claim, verdict.status);

    let settled: Promise<void> | null = null;
    const settle = () => (settled ??= this.attempts.succeeded(claim));
    let result: T;
    try {
      result = await check.accepted(verdict, settle);
    } catch (error) {
      if (!settled) await this.attempts.released(claim);
      throw error;
    }
    await settle();
    return result;
  }

  /**
   * ACCOUNT_LOCKED or TOO_MANY_ATTEMPTS (with retryAfterSeconds) while a
   * lockout or cooldown runs: the answer to an entry that is not even
   * checked (malformed, or for a method the user lacks) during the wait.
   */
  async assertNoWait(userId: string, policy: TwoFactorPolicy): Promise<void> {
    try {
      await this.attempts.assertNoWait(userId, policy);
    } catch (error) {
      if (error instanceof DomainException && error.code === ErrorCode.ACCOUNT_LOCKED) await this.lockout.alreadyRunning(userId);
      throw error;
    }
  }

  /** ACCOUNT_LOCKED while a lockout runs (nothing is sent to a locked account); a pending sign-in that asks ends too. */
  async assertNotLocked(userId: string, policy: TwoFactorPolicy): Promise<void> {
    const { lockedForSeconds } = await this.attempts.snapshot(userId, policy);
    if (lockedForSeconds === 0) return;
    await this.lockout.alreadyRunning(userId);
    throw lockedError(lockedForSeconds, policy);
  }

  private async claim(check: GatedCheck<unknown>): Promise<AttemptClaim> {
    try {
      return await this.attempts.claim(check.userId, check.policy);
    } catch (error) {
      if (error instanceof LockoutStarted) await this.lockout.started(check.userId, error.lockedUntil, check.policy, check.client);
      else if (error instanceof DomainException && error.code === ErrorCode.ACCOUNT_LOCKED) await this.lockout.alreadyRunning(check.userId);
      throw error;
    }
  }

  /** Counts the failure and says what the client is told: the code was wrong or expired, a cooldown, or the lockout. */
  private async failure(check: GatedCheck<unknown>, claim: AttemptClaim, status: 'refused' | 'expired'): Promise<DomainException> {
    const { userId, policy, client } = check;
    const result = await this.attempts.failed(claim);
    await this.events.publish({
      type: SecurityEventType.TWO_FACTOR_FAILED,
      userId,
      client,
      details: {
        method: check.method,
        reason: status,
        ...(check.stage === 'enrollment' && { stage: check.stage }),
        ...(result.kind === 'failed' && { attemptsRemaining: result.attemptsRemaining }),
      },
    });
    if (result.kind === 'locked') {
      if (result.started) await this.lockout.started(userId, result.lockedUntil, policy, client);
      else await this.lockout.alreadyRunning(userId);
      return lockedError(result.retryAfterSeconds, policy);
    }
    const { attemptsRemaining, retryAfterSeconds } = result;
    const base = status === 'expired' ? 'The code has expired.' : 'The code is incorrect.';
    const message = retryAfterSeconds !== undefined ? `${base} ${tryAgainIn(policy.cooldownMinutes)}` : base;
    return new DomainException(status === 'expired' ? ErrorCode.CODE_EXPIRED : ErrorCode.INVALID_CODE, message, {
      attemptsRemaining,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });
  }
}
