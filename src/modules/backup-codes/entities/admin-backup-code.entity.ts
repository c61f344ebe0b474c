import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/**
 * The one-time code an admin issued for a user (CloudFon: Get Backup Code).
 * One per user: issuing another replaces it. Void once used or expired.
 */
@Entity('admin_backup_codes')
export class AdminBackupCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  salt: string;

  @DigestColumn()
  codeDigest: string;

  /** The admin who issued it. */
  @IdColumn()
  issuedBy: string;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  expiresAt: Date;

  @NullableDateColumn()
  usedAt: Date | null;
}
