import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * The six-digit code emailed for one challenge (a pending sign-in session)
 * or one email enrollment: at most one live code per challenge, a new one
 * replaces it. Stored only as a salted keyed hash.
 */
@Entity('email_codes')
@Index('IDX_email_codes_user', ['userId'])
@Index('IDX_email_codes_expires', ['expiresAt'])
export class EmailCodeEntity {
  /** The pending session (sign-in) or the pending enrollment the code belongs to. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  challengeId: string;

  @IdColumn()
  userId: string;

  /** 'sign-in' or 'enrollment': a code never crosses from one to the other. */
  @Column({ type: 'varchar', length: 16 })
  purpose: string;

  @Column({ type: 'varchar', length: 32 })
  salt: string;

  @DigestColumn()
  codeDigest: string;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  expiresAt: Date;

  /** Set by the one request that used the code. */
  @NullableDateColumn()
  consumedAt: Date | null;
}
