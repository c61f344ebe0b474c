import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, NullableDateColumn } from '../../../database/columns';

/**
 * Failed password counts, one row per account (keyed by a hash of the
 * normalised email, whether or not it exists) and one per client IP.
 */
@Entity('login_throttles')
// The retention job finds idle keys by it.
@Index('IDX_login_throttles_last_failure', ['lastFailureAt'])
export class LoginThrottleEntity {
  /** `account:<digest>` or `ip:<address>`. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  throttleKey: string;

  @Column({ type: 'int', default: 0 })
  failures: number;

  @DateColumn()
  lastFailureAt: Date;

  /** Sign-in on this key is slowed until then. */
  @NullableDateColumn()
  blockedUntil: Date | null;
}
