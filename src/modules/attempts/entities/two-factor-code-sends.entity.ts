import { Column, Entity, PrimaryColumn } from 'typeorm';
import { NullableDateColumn } from '../../../database/columns';

/**
 * How many second-factor codes one user was sent (sign-in emails and
 * resends, every pending session together), so that signing in over and
 * over with the right password cannot flood the mailbox. Changed only by
 * conditional UPDATEs whose affected-row count decides.
 */
@Entity('two_factor_code_sends')
export class TwoFactorCodeSendsEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  /** Start of the current hour-long window of sends. */
  @NullableDateColumn()
  windowStartedAt: Date | null;

  /** Codes sent in that window (capped, see CODE_SENDS_PER_HOUR). */
  @Column({ type: 'int', default: 0 })
  windowCount: number;
}
