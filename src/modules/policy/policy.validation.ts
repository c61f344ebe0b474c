import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { DomainException } from '../../common/errors/domain.exception';
import { TwoFactorFrequency, TwoFactorPolicy, TwoFactorRequirement } from './policy.types';

/** The numeric fields of the policy. */
export type PolicyNumberField =
  | 'trustedDeviceDays'
  | 'maxAttempts'
  | 'cooldownFromAttempt'
  | 'cooldownMinutes'
  | 'lockoutMinutes'
  | 'emailCodeTtlMinutes'
  | 'resendCooldownSeconds'
  | 'adminBackupCodeTtlMinutes'
  | 'reauthenticationMinutes'
  | 'enrollmentGraceDays';

/**
 * The accepted range of each number (inclusive). cooldownFromAttempt is
 * further capped by maxAttempts. The reasons are in the descriptions, which
 * the GraphQL input type shows.
 */
export const POLICY_BOUNDS: Record<PolicyNumberField, { min: number; max: number; description: string }> = {
  trustedDeviceDays: { min: 1, max: 365, description: 'Days a trusted device skips 2FA: 1 to 365.' },
  maxAttempts: {
    min: 1,
    max: 100,
    description: 'Failed code entries before ACCOUNT_LOCKED: 1 to 100 (NIST SP 800-63B allows at most 100).',
  },
  cooldownFromAttempt: {
    min: 1,
    max: 100,
    description: 'From this failure on, each failure starts a cooldown: 1 to maxAttempts.',
  },
  cooldownMinutes: { min: 1, max: 1440, description: 'Length of a cooldown in minutes: 1 to 1440 (a day).' },
  lockoutMinutes: { min: 1, max: 10080, description: 'Minutes sign-in stays refused after maxAttempts failures: 1 to 10080 (a week).' },
  emailCodeTtlMinutes: { min: 1, max: 60, description: 'Life of an emailed code in minutes: 1 to 60.' },
  resendCooldownSeconds: { min: 1, max: 3600, description: 'Seconds before a code can be resent: 1 to 3600.' },
  adminBackupCodeTtlMinutes: {
    min: 1,
    max: 1440,
    description: 'Life of an admin-issued backup code in minutes: 1 to 1440 (a day).',
  },
  reauthenticationMinutes: {
    min: 1,
    max: 1440,
    description:
      'How long after entering the password or a second factor a session may add a method or change the preferred one without the password again: 1 to 1440 minutes.',
  },
  enrollmentGraceDays: {
    min: 0,
    max: 90,
    description:
      'Days a user whom the requirement newly covers (by a policy change, a new account or a new role) may still sign in without a method: 0 to 90; 0 asks them to enroll at the next sign-in.',
  },
};

export const ALLOWED_METHODS_DESCRIPTION =
  'Which of EMAIL, AUTHENTICATOR_APP and PASSKEY (or an installed method of an integrator) users may enable: at least one, no duplicates. BACKUP_CODE is always accepted and need not be listed; it cannot stand alone.';

/** What an admin may change; absent or null leaves the field as it is. */
export interface PolicyChanges {
  requirement?: TwoFactorRequirement | null;
  allowedMethods?: string[] | null;
  frequency?: TwoFactorFrequency | null;
  trustedDeviceDays?: number | null;
  maxAttempts?: number | null;
  cooldownFromAttempt?: number | null;
  cooldownMinutes?: number | null;
  lockoutMinutes?: number | null;
  emailCodeTtlMinutes?: number | null;
  resendCooldownSeconds?: number | null;
  adminBackupCodeTtlMinutes?: number | null;
  reauthenticationMinutes?: number | null;
  enrollmentGraceDays?: number | null;
  allowPasskeySignIn?: boolean | null;
}

export type PolicyValues = Omit<TwoFactorPolicy, 'updatedAt'>;

const NUMBER_FIELDS = Object.keys(POLICY_BOUNDS) as PolicyNumberField[];

function given<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/**
 * The current policy with the changes applied, or BAD_USER_INPUT naming the
 * first field at fault. Checks the merged result, so a lowered maxAttempts
 * cannot leave cooldownFromAttempt above it.
 */
export function mergePolicy(current: PolicyValues, changes: PolicyChanges): PolicyValues {
  const next: PolicyValues = { ...current, allowedMethods: [...current.allowedMethods] };

  if (given(changes.requirement)) {
    if (!Object.values(TwoFactorRequirement).includes(changes.requirement)) {
      throw DomainException.badInput('requirement', 'requirement is not a TwoFactorRequirement');
    }
    next.requirement = changes.requirement;
  }
  if (given(changes.frequency)) {
    if (!Object.values(TwoFactorFrequency).includes(changes.frequency)) {
      throw DomainException.badInput('frequency', 'frequency is not a TwoFactorFrequency');
    }
    next.frequency = changes.frequency;
  }
  if (given(changes.allowedMethods)) next.allowedMethods = normalizeAllowedMethods(changes.allowedMethods);
  if (given(changes.allowPasskeySignIn)) {
    if (typeof changes.allowPasskeySignIn !== 'boolean') throw DomainException.badInput('allowPasskeySignIn', 'allowPasskeySignIn must be true or false');
    next.allowPasskeySignIn = changes.allowPasskeySignIn;
  }

  for (const field of NUMBER_FIELDS) {
    const value = changes[field];
    if (!given(value)) continue;
    const { min, max } = POLICY_BOUNDS[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw DomainException.badInput(field, `${field} must be a whole number from ${min} to ${max}`);
    }
    next[field] = value;
  }

  if (next.cooldownFromAttempt > next.maxAttempts) {
    const field = given(changes.cooldownFromAttempt) ? 'cooldownFromAttempt' : 'maxAttempts';
    throw DomainException.badInput(
      field,
      `cooldownFromAttempt (${next.cooldownFromAttempt}) must not be above maxAttempts (${next.maxAttempts})`,
    );
  }
  return next;
}

function normalizeAllowedMethods(methods: string[]): string[] {
  const known = new Set<string>(Object.values(TwoFactorMethod));
  const unknown = methods.find((m) => !known.has(m));
  if (unknown !== undefined) throw DomainException.badInput('allowedMethods', `allowedMethods: ${unknown} is not a TwoFactorMethod`);
  if (new Set(methods).size !== methods.length) throw DomainException.badInput('allowedMethods', 'allowedMethods must not list a method twice');
  const primary = methods.filter((m) => m !== TwoFactorMethod.BACKUP_CODE);
  if (primary.length === 0) {
    throw DomainException.badInput(
      'allowedMethods',
      'allowedMethods must list a method such as EMAIL, AUTHENTICATOR_APP or PASSKEY: backup codes are a fallback and cannot be the only method',
    );
  }
  // Kept in the contract's order, so that the stored list does not depend on how the admin typed it.
  return Object.values(TwoFactorMethod).filter((m) => primary.includes(m));
}

/** The fields whose value differs, with their new values (for POLICY_UPDATED). */
export function policyDifferences(before: PolicyValues, after: PolicyValues): Partial<PolicyValues> {
  const changed: Partial<PolicyValues> = {};
  for (const key of Object.keys(after) as Array<keyof PolicyValues>) {
    const a = before[key];
    const b = after[key];
    const same = Array.isArray(a) && Array.isArray(b) ? a.join(',') === b.join(',') : a === b;
    if (!same) Object.assign(changed, { [key]: b });
  }
  return changed;
}
