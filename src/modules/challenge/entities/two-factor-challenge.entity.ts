import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * What a pending (PENDING_TWO_FACTOR) session has been sent, keyed by the
 * session id. Never the code itself: the method handler keeps that, hashed
 * and bound to this id.
 */
@Entity('two_factor_challenges')
@Index('IDX_two_factor_challenges_user', ['userId', 'expiresAt'])
@Index('IDX_two_factor_challenges_expires', ['expiresAt'])
export class TwoFactorChallengeEntity {
  /** The pending session's id (the challengeId handed to method handlers). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  sessionId: string;

  @IdColumn()
  userId: string;

  @DateColumn()
  createdAt: Date;

  /** The pending session's expiry. */
  @DateColumn()
  expiresAt: Date;

  /** When the last code was sent; resends wait the policy's resendCooldownSeconds after it. */
  @NullableDateColumn()
  lastSentAt: Date | null;

  /** Codes sent for this challenge (capped, so the endpoint cannot flood a mailbox). */
  @Column({ type: 'int', default: 0 })
  sendCount: number;

  /** Masked destination of the last code, e.g. j***@example.com. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  sentTo: string | null;

  /** The method whose handler sent it. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  deliveredMethod: string | null;
}
