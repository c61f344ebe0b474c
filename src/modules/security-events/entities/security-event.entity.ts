import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';

/**
 * Append-only audit trail. Never holds a code, token or password. Pages are
 * newest first by (createdAt, id); each filter of securityEvents has an index
 * that ends in createdAt (InnoDB appends the primary key), so a page reads
 * its rows in order and stops (security-events.service.ts).
 */
@Entity('security_events')
@Index('IDX_security_events_user_created', ['userId', 'createdAt'])
@Index('IDX_security_events_created', ['createdAt'])
// The sign-in throttle's "known client" check (a user's own successful sign-ins), and a user's events by type.
@Index('IDX_security_events_user_type', ['userId', 'type', 'createdAt'])
@Index('IDX_security_events_type', ['type', 'createdAt'])
@Index('IDX_security_events_ip', ['ip', 'createdAt'])
export class SecurityEventEntity {
  /**
   * `int` so that SQLite can autoincrement it (its integers are 64-bit); on
   * MySQL the column is BIGINT (migration SecurityEventsBigintId: 2^31 events
   * is weeks at a thousand sign-ins a second), read back as a string.
   */
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number | string;

  @Column({ type: 'varchar', length: 48 })
  type: string;

  @Column({ type: 'varchar', length: 36, nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  /** Small JSON of non-secret facts (method, changed fields, reason). */
  @Column({ type: 'text', nullable: true })
  details: string | null;

  @DateColumn()
  createdAt: Date;
}
