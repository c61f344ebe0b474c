import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';

/** Append-only audit trail. Never holds a code, token or password. */
@Entity('security_events')
@Index('IDX_security_events_user', ['userId', 'id'])
@Index('IDX_security_events_created', ['createdAt'])
// The sign-in throttle's "known client" check: a user's own successful sign-ins, recent first.
@Index('IDX_security_events_user_type', ['userId', 'type', 'createdAt'])
export class SecurityEventEntity {
  /** Integer so that SQLite can autoincrement it; 2^31 events is decades at any plausible rate. */
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

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
