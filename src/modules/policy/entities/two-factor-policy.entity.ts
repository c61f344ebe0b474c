import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';
import { TwoFactorFrequency, TwoFactorRequirement } from '../policy.types';

/** One row (id 1): the deployment's policy. Absent until an admin first changes it. */
@Entity('two_factor_policy')
export class TwoFactorPolicyEntity {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 32 })
  requirement: TwoFactorRequirement;

  /** Comma-separated method names. */
  @Column({ type: 'varchar', length: 255 })
  allowedMethods: string;

  @Column({ type: 'varchar', length: 32 })
  frequency: TwoFactorFrequency;

  @Column({ type: 'int' })
  trustedDeviceDays: number;

  @Column({ type: 'int' })
  maxAttempts: number;

  @Column({ type: 'int' })
  cooldownFromAttempt: number;

  @Column({ type: 'int' })
  cooldownMinutes: number;

  @Column({ type: 'int' })
  lockoutMinutes: number;

  @Column({ type: 'int' })
  emailCodeTtlMinutes: number;

  @Column({ type: 'int' })
  resendCooldownSeconds: number;

  @Column({ type: 'int' })
  adminBackupCodeTtlMinutes: number;

  @Column({ type: 'int', default: 15 })
  reauthenticationMinutes: number;

  @Column({ type: 'int', default: 0 })
  enrollmentGraceDays: number;

  @Column({ type: 'boolean', default: true })
  allowPasskeySignIn: boolean;

  @DateColumn()
  updatedAt: Date;
}
