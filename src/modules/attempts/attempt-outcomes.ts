import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { TwoFactorPolicy } from '../policy/policy.types';
import { minutesInWords } from './duration-words';

/** A claimed attempt: the right to evaluate one code. Settle it with succeeded, failed or released. */
export interface AttemptClaim {
  userId: string;
  policy: TwoFactorPolicy;
  /**
   * End of this claim's lease. Settled after it, the claim no longer owns a
   * unit of the in-flight count (it was, or will be, counted as a failure
   * when the lease lapsed), so it gives nothing back.
   */
  leaseUntil: Date;
}

/** What a failure led to. */
export type FailureOutcome =
  | { kind: 'failed'; attemptsRemaining: number; /** Set when this failure started a cooldown. */ retryAfterSeconds?: number; cooldownUntil?: Date }
  | {
      kind: 'locked';
      lockedUntil: Date;
      retryAfterSeconds: number;
      /** True when this call's UPDATE started the lockout (the caller records it); false when it was already running. */
      started: boolean;
    };

export interface AttemptsSnapshot {
  attemptsRemaining: number;
  /** End of a running cooldown or lockout, else null. */
  retryAvailableAt: Date | null;
  /** Seconds until a running lockout ends, else 0. */
  lockedForSeconds: number;
}

export function busy(): DomainException {
  return new DomainException(ErrorCode.RATE_LIMITED, 'Another code for this account is being checked. Try again in a moment.', {
    retryAfterSeconds: 1,
  });
}

export function lockedError(retryAfterSeconds: number, policy: TwoFactorPolicy): DomainException {
  return new DomainException(
    ErrorCode.ACCOUNT_LOCKED,
    `Too many failed attempts: sign-in is locked for ${minutesInWords(policy.lockoutMinutes)}. Please try again later.`,
    { retryAfterSeconds },
  );
}

/**
 * ACCOUNT_LOCKED from a claim whose reaping of lapsed claims started the
 * lockout: the caller ends the pending sessions and records it, as for a
 * fifth wrong code.
 */
export class LockoutStarted extends DomainException {
  readonly lockedUntil: Date;

  constructor(outcome: Extract<FailureOutcome, { kind: 'locked' }>, policy: TwoFactorPolicy) {
    const error = lockedError(outcome.retryAfterSeconds, policy);
    super(error.code, error.message, error.details);
    this.lockedUntil = outcome.lockedUntil;
  }
}
