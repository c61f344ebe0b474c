import { describe, expect, it } from 'vitest';
import { DomainException } from '../../common/errors/domain.exception';
import { DEFAULT_POLICY, TwoFactorFrequency, TwoFactorRequirement } from './policy.types';
import { mergePolicy, PolicyChanges, policyDifferences } from './policy.validation';

function fieldOf(changes: PolicyChanges): string | undefined {
  try {
    mergePolicy(DEFAULT_POLICY, changes);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe('BAD_USER_INPUT');
    return (error as DomainException).details.field;
  }
}

describe('mergePolicy', () => {
  it('keeps what is not given (absent or null)', () => {
    const next = mergePolicy(DEFAULT_POLICY, { maxAttempts: 7, frequency: null });
    expect(next).toEqual({ ...DEFAULT_POLICY, maxAttempts: 7 });
  });

  it('names the field of each out-of-range value', () => {
    const cases: Array<[PolicyChanges, string]> = [
      [{ trustedDeviceDays: 0 }, 'trustedDeviceDays'],
      [{ trustedDeviceDays: 366 }, 'trustedDeviceDays'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: 101 }, 'maxAttempts'],
      [{ cooldownFromAttempt: 0 }, 'cooldownFromAttempt'],
      [{ cooldownFromAttempt: 6 }, 'cooldownFromAttempt'],
      [{ maxAttempts: 2 }, 'maxAttempts'],
      [{ cooldownMinutes: 0 }, 'cooldownMinutes'],
      [{ cooldownMinutes: 1441 }, 'cooldownMinutes'],
      [{ lockoutMinutes: 10081 }, 'lockoutMinutes'],
      [{ emailCodeTtlMinutes: 61 }, 'emailCodeTtlMinutes'],
      [{ resendCooldownSeconds: 0 }, 'resendCooldownSeconds'],
      [{ adminBackupCodeTtlMinutes: 1441 }, 'adminBackupCodeTtlMinutes'],
      [{ allowedMethods: [] }, 'allowedMethods'],
      [{ allowedMethods: ['BACKUP_CODE'] }, 'allowedMethods'],
      [{ allowedMethods: ['EMAIL', 'EMAIL'] }, 'allowedMethods'],
      [{ allowedMethods: ['SMOKE_SIGNALS'] }, 'allowedMethods'],
      [{ requirement: 'SOMETIMES' as TwoFactorRequirement }, 'requirement'],
    ];
    for (const [changes, field] of cases) expect([changes, fieldOf(changes)]).toEqual([changes, field]);
  });

  it('accepts the bounds and orders the methods', () => {
    expect(fieldOf({ maxAttempts: 100, cooldownFromAttempt: 100, trustedDeviceDays: 365, lockoutMinutes: 10080 })).toBeUndefined();
    expect(mergePolicy(DEFAULT_POLICY, { allowedMethods: ['AUTHENTICATOR_APP', 'BACKUP_CODE', 'EMAIL'] }).allowedMethods).toEqual([
      'EMAIL',
      'AUTHENTICATOR_APP',
    ]);
  });

  it('lists differences with their new values', () => {
    const next = mergePolicy(DEFAULT_POLICY, { frequency: TwoFactorFrequency.EVERY_LOGIN, maxAttempts: 5, allowedMethods: ['EMAIL'] });
    expect(policyDifferences(DEFAULT_POLICY, next)).toEqual({ frequency: 'EVERY_LOGIN', allowedMethods: ['EMAIL'] });
  });
});
