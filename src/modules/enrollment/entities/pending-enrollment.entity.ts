import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * A method being set up and not yet confirmed: at most one per user and
 * method; starting again replaces it. Void after too many wrong codes, dead
 * after expiresAt. Its id binds the emailed enrollment code.
 */
@Entity('two_factor_enrollments')
@Index('UQ_two_factor_enrollments_user_method', ['userId', 'method'], { unique: true })
export class PendingEnrollmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @IdColumn()
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  method: string;

  /** AUTHENTICATOR_APP: the proposed secret, sealed (context `totp:<userId>`). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  sealedSecret: string | null;

  /** Confirmation attempts claimed so far (each claimed before the code is checked). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** EMAIL: when the last code was sent (resend cooldown). */
  @NullableDateColumn()
  lastSentAt: Date | null;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  expiresAt: Date;
}
