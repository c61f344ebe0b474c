import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SessionStage } from '../../../common/auth/session-stage';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * A signed-in (or half signed-in) browser. The token is never stored: only
 * its keyed hash, which is what a request is looked up by.
 */
@Entity('sessions')
@Index('IDX_sessions_user', ['userId', 'revokedAt'])
@Index('IDX_sessions_expires', ['expiresAt'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('UQ_sessions_token', { unique: true })
  @DigestColumn()
  tokenHash: string;

  @IdColumn()
  userId: string;

  @Column({ type: 'varchar', length: 24 })
  stage: SessionStage;

  @DateColumn()
  createdAt: Date;

  /** When the session dies: pending stages 10 minutes; AUTHENTICATED slides with use up to the absolute limit. */
  @DateColumn()
  expiresAt: Date;

  /** The absolute limit an AUTHENTICATED session may slide to. */
  @DateColumn()
  absoluteExpiresAt: Date;

  @NullableDateColumn()
  revokedAt: Date | null;

  /**
   * When the user last proved who they are in this session: the password
   * (sign-in, or asked again) or a second factor. "Recent authentication"
   * (adding a method) looks at it; null for sessions older than the column.
   */
  @NullableDateColumn()
  verifiedAt: Date | null;

  /** When an AUTHENTICATED session was last used, to the minute (written with its sliding expiry); null until then. */
  @NullableDateColumn()
  lastSeenAt: Date | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;
}
