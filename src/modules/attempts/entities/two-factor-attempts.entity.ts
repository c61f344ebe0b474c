import { Column, Entity, PrimaryColumn } from 'typeorm';
import { NullableDateColumn } from '../../../database/columns';

/**
 * Failed second-factor entries of one user, shared by every method and every
 * pending session (a new sign-in or a resend never resets it). Changed only
 * by conditional UPDATEs, never inside a transaction a failure rolls back.
 */
@Entity('two_factor_attempts')
export class TwoFactorAttemptsEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  /** Failed entries since the last success or lockout. */
  @Column({ type: 'int', default: 0 })
  failures: number;

  /** Attempts claimed and being checked right now (each one is a failure or a success soon). */
  @Column({ type: 'int', default: 0 })
  inflight: number;

  /** The in-flight claims lapse then (a crashed request must not block the user for ever). */
  @NullableDateColumn()
  inflightUntil: Date | null;

  /** verifyTwoFactor answers TOO_MANY_ATTEMPTS until then. */
  @NullableDateColumn()
  cooldownUntil: Date | null;

  /** Sign-in and verifyTwoFactor answer ACCOUNT_LOCKED until then. */
  @NullableDateColumn()
  lockedUntil: Date | null;
}
