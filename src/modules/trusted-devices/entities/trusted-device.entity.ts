import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * A browser that the user chose to trust ("Don't ask again for N days").
 * The token is never stored, only its keyed hash; it rotates on each use.
 * Revoking deletes the row.
 */
@Entity('trusted_devices')
@Index('IDX_trusted_devices_user', ['userId', 'expiresAt'])
@Index('IDX_trusted_devices_expires', ['expiresAt'])
export class TrustedDeviceEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('UQ_trusted_devices_token', { unique: true })
  @DigestColumn()
  tokenHash: string;

  @IdColumn()
  userId: string;

  /** Browser family from the User-Agent, e.g. 'Chrome'. */
  @Column({ type: 'varchar', length: 64 })
  browser: string;

  /** System family from the User-Agent, e.g. 'Windows'. */
  @Column({ type: 'varchar', length: 64 })
  system: string;

  /** 'Chrome on Windows'. */
  @Column({ type: 'varchar', length: 160 })
  label: string;

  @DateColumn()
  createdAt: Date;

  /** createdAt + the policy's trustedDeviceDays at that time; rotation keeps it. */
  @DateColumn()
  expiresAt: Date;

  @NullableDateColumn()
  lastUsedAt: Date | null;
}
