import { registerEnumType } from '@nestjs/graphql';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';

export enum TwoFactorRequirement {
  OPTIONAL = 'OPTIONAL',
  REQUIRED_FOR_ADMINS = 'REQUIRED_FOR_ADMINS',
  REQUIRED_FOR_ALL = 'REQUIRED_FOR_ALL',
}
registerEnumType(TwoFactorRequirement, {
  name: 'TwoFactorRequirement',
  description: 'Who must use two-factor authentication.',
  valuesMap: {
    OPTIONAL: { description: 'Nobody must; anyone may.' },
    REQUIRED_FOR_ADMINS: { description: 'Every ADMIN must; others may.' },
    REQUIRED_FOR_ALL: { description: 'Every user must.' },
  },
});

export enum TwoFactorFrequency {
  EVERY_LOGIN = 'EVERY_LOGIN',
  TRUSTED_DEVICE = 'TRUSTED_DEVICE',
}
registerEnumType(TwoFactorFrequency, {
  name: 'TwoFactorFrequency',
  description: 'When a user with 2FA is asked for a second factor.',
  valuesMap: {
    EVERY_LOGIN: { description: 'Every sign-in asks for a second factor.' },
    TRUSTED_DEVICE: { description: 'A browser or device that the user chose to trust skips 2FA for trustedDeviceDays.' },
  },
});

/** The deployment's one 2FA policy, as every service reads it. */
export interface TwoFactorPolicy {
  requirement: TwoFactorRequirement;
  /** Which primary methods (EMAIL, AUTHENTICATOR_APP, PASSKEY, an integrator's) users may enable. */
  allowedMethods: string[];
  frequency: TwoFactorFrequency;
  trustedDeviceDays: number;
  maxAttempts: number;
  cooldownFromAttempt: number;
  cooldownMinutes: number;
  lockoutMinutes: number;
  emailCodeTtlMinutes: number;
  resendCooldownSeconds: number;
  adminBackupCodeTtlMinutes: number;
  /** How long after entering the password or a second factor a session may add a method without the password again. */
  reauthenticationMinutes: number;
  /** Days a user whom the requirement newly covers may still sign in without a method (0: enroll at the next sign-in). */
  enrollmentGraceDays: number;
  /** Whether a passwordless passkey may sign in without the password (signInWithPasskey). */
  allowPasskeySignIn: boolean;
  updatedAt: Date;
}

/** CloudCX/CloudFon defaults: "Don't ask again for 90 days", five attempts, warnings from the third. */
export const DEFAULT_POLICY: Omit<TwoFactorPolicy, 'updatedAt'> = {
  requirement: TwoFactorRequirement.OPTIONAL,
  allowedMethods: [TwoFactorMethod.EMAIL, TwoFactorMethod.AUTHENTICATOR_APP, TwoFactorMethod.PASSKEY],
  frequency: TwoFactorFrequency.TRUSTED_DEVICE,
  trustedDeviceDays: 90,
  maxAttempts: 5,
  cooldownFromAttempt: 3,
  cooldownMinutes: 5,
  lockoutMinutes: 30,
  emailCodeTtlMinutes: 10,
  resendCooldownSeconds: 60,
  adminBackupCodeTtlMinutes: 30,
  reauthenticationMinutes: 15,
  enrollmentGraceDays: 0,
  allowPasskeySignIn: true,
};
