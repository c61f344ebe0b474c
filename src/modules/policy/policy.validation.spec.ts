import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainException } from '../../common/errors/domain.exception';
import { DEFAULT_POLICY, TwoFactorFrequency, TwoFactorRequirement } from './policy.types';
import { ALLOWED_METHODS_DESCRIPTION, mergePolicy, POLICY_BOUNDS, PolicyChanges, policyDifferences } from './policy.validation';

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
      [{ reauthenticationMinutes: 0 }, 'reauthenticationMinutes'],
      [{ enrollmentGraceDays: -1 }, 'enrollmentGraceDays'],
      [{ enrollmentGraceDays: 91 }, 'enrollmentGraceDays'],
      [{ allowPasskeySignIn: 'yes' as never }, 'allowPasskeySignIn'],
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

/** The error mergePolicy throws for these changes (or undefined). */
function errorOf(changes: PolicyChanges, current = DEFAULT_POLICY): { field?: string; message: string } | undefined {
  try {
    mergePolicy(current, changes);
    return undefined;
  } catch (error) {
    const { details, message } = error as DomainException;
    return { field: details.field as string, message };
  }
}

describe('mergePolicy, field by field', () => {
  it('every number is accepted from its minimum to its maximum, whole numbers only, with a message naming the range', () => {
    const ranges: Array<[keyof typeof POLICY_BOUNDS, number, number]> = [
      ['trustedDeviceDays', 1, 365],
      ['maxAttempts', 1, 100],
      ['cooldownFromAttempt', 1, 100],
      ['cooldownMinutes', 1, 1440],
      ['lockoutMinutes', 1, 10080],
      ['emailCodeTtlMinutes', 1, 60],
      ['resendCooldownSeconds', 1, 3600],
      ['adminBackupCodeTtlMinutes', 1, 1440],
      ['reauthenticationMinutes', 1, 1440],
      ['enrollmentGraceDays', 0, 90],
    ];
    expect(Object.keys(POLICY_BOUNDS).sort()).toEqual(ranges.map(([f]) => f).sort());
    // Room for cooldownFromAttempt up to 100.
    const roomy = { ...DEFAULT_POLICY, maxAttempts: 100, cooldownFromAttempt: 1 };
    for (const [field, min, max] of ranges) {
      expect(POLICY_BOUNDS[field]).toMatchObject({ min, max });
      const message = `${field} must be a whole number from ${min} to ${max}`;
      for (const bad of [min - 1, max + 1, min + 0.5, Number.NaN]) expect([field, bad, errorOf({ [field]: bad }, roomy)]).toEqual([field, bad, { field, message }]);
      for (const good of [min, max]) {
        expect([field, good, errorOf({ [field]: good }, roomy)]).toEqual([field, good, undefined]);
        expect(mergePolicy(roomy, { [field]: good })[field]).toBe(good);
      }
    }
  });

  it('cooldownFromAttempt may not be above maxAttempts, whichever of the two was changed', () => {
    expect(errorOf({ cooldownFromAttempt: 6 })).toEqual({ field: 'cooldownFromAttempt', message: 'cooldownFromAttempt (6) must not be above maxAttempts (5)' });
    expect(errorOf({ maxAttempts: 2 })).toEqual({ field: 'maxAttempts', message: 'cooldownFromAttempt (3) must not be above maxAttempts (2)' });
    expect(errorOf({ maxAttempts: 2, cooldownFromAttempt: 3 })).toEqual({ field: 'cooldownFromAttempt', message: 'cooldownFromAttempt (3) must not be above maxAttempts (2)' });
    expect(errorOf({ maxAttempts: 3 })).toBeUndefined();
    expect(errorOf({ cooldownFromAttempt: 5 })).toBeUndefined();
  });

  it('requirement and frequency take their enum values only', () => {
    expect(mergePolicy(DEFAULT_POLICY, { requirement: TwoFactorRequirement.REQUIRED_FOR_ALL }).requirement).toBe('REQUIRED_FOR_ALL');
    expect(mergePolicy(DEFAULT_POLICY, { frequency: TwoFactorFrequency.EVERY_LOGIN }).frequency).toBe('EVERY_LOGIN');
    expect(errorOf({ requirement: 'SOMETIMES' as TwoFactorRequirement })).toEqual({ field: 'requirement', message: 'requirement is not a TwoFactorRequirement' });
    expect(errorOf({ frequency: 'WEEKLY' as TwoFactorFrequency })).toEqual({ field: 'frequency', message: 'frequency is not a TwoFactorFrequency' });
  });

  it('allowedMethods: known methods, no duplicates, at least one that is not BACKUP_CODE', () => {
    expect(errorOf({ allowedMethods: ['EMAIL', 'SMOKE_SIGNALS'] })).toEqual({ field: 'allowedMethods', message: 'allowedMethods: SMOKE_SIGNALS is not a TwoFactorMethod' });
    expect(errorOf({ allowedMethods: ['EMAIL', 'EMAIL'] })).toEqual({ field: 'allowedMethods', message: 'allowedMethods must not list a method twice' });
    expect(errorOf({ allowedMethods: ['BACKUP_CODE'] })).toEqual({
      field: 'allowedMethods',
      message: 'allowedMethods must list a method such as EMAIL, AUTHENTICATOR_APP or PASSKEY: backup codes are a fallback and cannot be the only method',
    });
    expect(errorOf({ allowedMethods: [] })).toEqual({
      field: 'allowedMethods',
      message: 'allowedMethods must list a method such as EMAIL, AUTHENTICATOR_APP or PASSKEY: backup codes are a fallback and cannot be the only method',
    });
    expect(mergePolicy(DEFAULT_POLICY, { allowedMethods: ['AUTHENTICATOR_APP'] }).allowedMethods).toEqual(['AUTHENTICATOR_APP']);
    expect(mergePolicy(DEFAULT_POLICY, { allowedMethods: ['PASSKEY'] }).allowedMethods).toEqual(['PASSKEY']);
    expect(mergePolicy(DEFAULT_POLICY, { allowedMethods: ['PASSKEY', 'BACKUP_CODE', 'EMAIL'] }).allowedMethods).toEqual(['EMAIL', 'PASSKEY']);
    expect(mergePolicy(DEFAULT_POLICY, { allowedMethods: ['BACKUP_CODE', 'EMAIL'] }).allowedMethods).toEqual(['EMAIL']);
  });

  it('allowPasskeySignIn: true or false only; absent or null keeps it', () => {
    expect(mergePolicy(DEFAULT_POLICY, { allowPasskeySignIn: false }).allowPasskeySignIn).toBe(false);
    expect(mergePolicy({ ...DEFAULT_POLICY, allowPasskeySignIn: false }, { allowPasskeySignIn: true }).allowPasskeySignIn).toBe(true);
    expect(mergePolicy({ ...DEFAULT_POLICY, allowPasskeySignIn: false }, { allowPasskeySignIn: null }).allowPasskeySignIn).toBe(false);
    expect(mergePolicy({ ...DEFAULT_POLICY, allowPasskeySignIn: false }, {}).allowPasskeySignIn).toBe(false);
    for (const bad of ['true', 1, 0]) {
      expect(errorOf({ allowPasskeySignIn: bad as never })).toEqual({ field: 'allowPasskeySignIn', message: 'allowPasskeySignIn must be true or false' });
    }
  });

  it('never changes the current policy it was given', () => {
    const current = { ...DEFAULT_POLICY, allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP'] };
    const next = mergePolicy(current, { maxAttempts: 9 });
    next.allowedMethods.push('X');
    expect(current).toEqual({ ...DEFAULT_POLICY, allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP'] });
  });

  it('the bounds\' descriptions are the ones the GraphQL schema shows', () => {
    const schema = readFileSync(join(__dirname, '../../../schema.gql'), 'utf8');
    // One line, or a block of its own when long: either way the whole text between the quotes.
    const described = (text: string) => schema.includes(`"""${text}"""`) || schema.includes(`"""\n  ${text}\n  """`);
    for (const { description } of Object.values(POLICY_BOUNDS)) expect([description, described(description)]).toEqual([description, true]);
    expect(described(ALLOWED_METHODS_DESCRIPTION)).toBe(true);
  });
});

describe('policyDifferences', () => {
  it('an equal list in a new array is no difference; another order or content is', () => {
    const copy = { ...DEFAULT_POLICY, allowedMethods: [...DEFAULT_POLICY.allowedMethods] };
    expect(policyDifferences(DEFAULT_POLICY, copy)).toEqual({});
    expect(policyDifferences(DEFAULT_POLICY, { ...copy, allowedMethods: ['AUTHENTICATOR_APP', 'EMAIL'] })).toEqual({ allowedMethods: ['AUTHENTICATOR_APP', 'EMAIL'] });
    expect(policyDifferences({ ...copy, allowedMethods: ['EMAIL'] }, { ...copy, allowedMethods: ['EMAIL', 'X'] })).toEqual({ allowedMethods: ['EMAIL', 'X'] });
    expect(policyDifferences(DEFAULT_POLICY, { ...copy, lockoutMinutes: 31, maxAttempts: 5 })).toEqual({ lockoutMinutes: 31 });
  });
});
