import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * A method being set up and not yet confirmed: at most one per user and
 * method; starting again replaces it. Dead after expiresAt. Its id binds
 * what the method delivered for it (an emailed code). Wrong answers count
 * against the user's attempts (AttemptGate), not against this row: starting
 * again resets nothing.
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

  /** The method's EnrollmentState (a proposed TOTP secret, a phone number...), JSON sealed with context `enrollment:<id>`. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  sealedState: string | null;

  /** When the last code was sent for it (resend cooldown); null for methods that send nothing. */
  @NullableDateColumn()
  lastSentAt: Date | null;

  /** Masked destination of the last code. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  sentTo: string | null;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  expiresAt: Date;
}
