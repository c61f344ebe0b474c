import { addDays } from '@app/clock';
import { TwoFactorPolicy } from './policy.types';

/**
 * The grace period (as GitHub and GitLab give when an organisation starts
 * requiring 2FA): a user whom the requirement covers since `coveredSince`
 * and who has no method may sign in AUTHENTICATED until the due date, then
 * must enroll. No `coveredSince` (covered since before anyone counted) or no
 * grace days: no grace at all. The one place the rule lives; `coveredAfter`
 * is the same rule for set-based SQL.
 */
export const EnrollmentGrace = {
  /** When the user must have enrolled; null when there is no grace to count. */
  dueAt(policy: Pick<TwoFactorPolicy, 'enrollmentGraceDays'>, coveredSince: Date | null): Date | null {
    if (!coveredSince || policy.enrollmentGraceDays <= 0) return null;
    return addDays(coveredSince, policy.enrollmentGraceDays);
  },

  /** The due date while it is still ahead, else null (the user must enroll now). */
  runningUntil(policy: Pick<TwoFactorPolicy, 'enrollmentGraceDays'>, coveredSince: Date | null, now: Date): Date | null {
    const due = EnrollmentGrace.dueAt(policy, coveredSince);
    return due && due > now ? due : null;
  },

  /** A user covered since a moment strictly after this is within the grace now (SQL: `coveredSince > :coveredAfter`). */
  coveredAfter(policy: Pick<TwoFactorPolicy, 'enrollmentGraceDays'>, now: Date): Date {
    return addDays(now, -Math.max(0, policy.enrollmentGraceDays));
  },
};
