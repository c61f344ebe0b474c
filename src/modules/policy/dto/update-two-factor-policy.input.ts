import { Field, InputType, Int } from '@nestjs/graphql';
import { IsArray, IsBoolean, IsEnum, IsInt, IsOptional } from 'class-validator';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { TwoFactorFrequency, TwoFactorRequirement } from '../policy.types';
import { ALLOWED_METHODS_DESCRIPTION, POLICY_BOUNDS, PolicyChanges } from '../policy.validation';

/**
 * A partial change: omitted (or null) fields keep their value. Ranges are
 * checked on the merged policy by mergePolicy (policy.validation.ts); the
 * decorators here only let the fields through the global validation pipe.
 */
@InputType('UpdateTwoFactorPolicyInput', { description: 'A change to the policy: omitted (or null) fields keep their value.' })
export class UpdateTwoFactorPolicyInput implements PolicyChanges {
  @Field(() => TwoFactorRequirement, { nullable: true, description: 'Who must use 2FA.' })
  @IsOptional()
  @IsEnum(TwoFactorRequirement)
  requirement?: TwoFactorRequirement | null;

  @Field(() => [TwoFactorMethod], { nullable: true, description: ALLOWED_METHODS_DESCRIPTION })
  @IsOptional()
  @IsArray()
  allowedMethods?: TwoFactorMethod[] | null;

  @Field(() => TwoFactorFrequency, { nullable: true, description: 'EVERY_LOGIN also stops existing trusted devices from skipping.' })
  @IsOptional()
  @IsEnum(TwoFactorFrequency)
  frequency?: TwoFactorFrequency | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.trustedDeviceDays.description })
  @IsOptional()
  @IsInt()
  trustedDeviceDays?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.maxAttempts.description })
  @IsOptional()
  @IsInt()
  maxAttempts?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.cooldownFromAttempt.description })
  @IsOptional()
  @IsInt()
  cooldownFromAttempt?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.cooldownMinutes.description })
  @IsOptional()
  @IsInt()
  cooldownMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.lockoutMinutes.description })
  @IsOptional()
  @IsInt()
  lockoutMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.emailCodeTtlMinutes.description })
  @IsOptional()
  @IsInt()
  emailCodeTtlMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.resendCooldownSeconds.description })
  @IsOptional()
  @IsInt()
  resendCooldownSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.adminBackupCodeTtlMinutes.description })
  @IsOptional()
  @IsInt()
  adminBackupCodeTtlMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.reauthenticationMinutes.description })
  @IsOptional()
  @IsInt()
  reauthenticationMinutes?: number | null;

  @Field(() => Int, { nullable: true, description: POLICY_BOUNDS.enrollmentGraceDays.description })
  @IsOptional()
  @IsInt()
  enrollmentGraceDays?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether a passwordless passkey may sign in without the password (signInWithPasskey).' })
  @IsOptional()
  @IsBoolean()
  allowPasskeySignIn?: boolean | null;
}
