import { describe, expect, it } from 'vitest';
import { registerTwoFactorMethodName, TwoFactorMethod } from './two-factor-method';

describe('registerTwoFactorMethodName', () => {
  it("adds an integrator's method to the enum, once", () => {
    registerTwoFactorMethodName('PUSH_TEST', 'A push notification.');
    registerTwoFactorMethodName('PUSH_TEST');
    expect(Object.values(TwoFactorMethod)).toEqual(['EMAIL', 'AUTHENTICATOR_APP', 'BACKUP_CODE', 'PASSKEY', 'PUSH_TEST']);
  });

  it("refuses the contract's names and names that are not enum values", () => {
    expect(() => registerTwoFactorMethodName('EMAIL')).toThrow(TypeError);
    for (const bad of ['sms', '1SMS', 'SMS-CODE', '', 'X'.repeat(33)]) expect(() => registerTwoFactorMethodName(bad), bad).toThrow(TypeError);
  });
});
