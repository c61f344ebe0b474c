import { Field, Int, ObjectType } from '@nestjs/graphql';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { TwoFactorFrequency, TwoFactorPolicy, TwoFactorRequirement } from '../policy.types';

@ObjectType('TwoFactorPolicy', { description: 'The one 2FA policy of this deployment.' })
export class TwoFactorPolicyModel {
  @Field(() => TwoFactorRequirement, { description: 'Who must use 2FA (default OPTIONAL).' })
  requirement: TwoFactorRequirement;

  @Field(() => [TwoFactorMethod], { description: 'Which methods users may enable (default EMAIL, AUTHENTICATOR_APP and PASSKEY); BACKUP_CODE is always accepted.' })
  allowedMethods: string[];

  @Field(() => TwoFactorFrequency, { description: 'When a second factor is asked (default TRUSTED_DEVICE).' })
  frequency: TwoFactorFrequency;

  @Field(() => Int, { description: "Days 'Don't ask again' trusts a device (default 90), 1-365." })
  trustedDeviceDays: number;

  @Field(() => Int, { description: 'Failed code entries allowed before ACCOUNT_LOCKED (default 5).' })
  maxAttempts: number;

  @Field(() => Int, { description: 'From this failure on, each failure starts a cooldown (default 3).' })
  cooldownFromAttempt: number;

  @Field(() => Int, { description: 'Length of that cooldown (default 5).' })
  cooldownMinutes: number;

  @Field(() => Int, { description: 'How long sign-in stays refused after maxAttempts failures (default 30).' })
  lockoutMinutes: number;

  @Field(() => Int, { description: 'Life of an emailed code (default 10).' })
  emailCodeTtlMinutes: number;

  @Field(() => Int, { description: 'Wait before a code can be resent (default 60).' })
  resendCooldownSeconds: number;

  @Field(() => Int, { description: 'Life of an admin-issued backup code (default 30).' })
  adminBackupCodeTtlMinutes: number;

  @Field(() => Int, {
    description:
      'How long after entering the password or a second factor a session may add a method without the password again (default 15), 1-1440.',
  })
  reauthenticationMinutes: number;

  @Field(() => Int, {
    description: 'Days a user whom the requirement newly covers may still sign in without a method (default 0: enroll at the next sign-in), 0-90.',
  })
  enrollmentGraceDays: number;

  @Field({ description: 'Whether a passwordless passkey may sign in without the password (default true).' })
  allowPasskeySignIn: boolean;

  @Field({ description: 'When an admin last changed it (the epoch while it is the defaults).' })
  updatedAt: Date;

  static from(policy: TwoFactorPolicy): TwoFactorPolicyModel {
    return Object.assign(new TwoFactorPolicyModel(), policy);
  }
}
