import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

/** One of a user's ten backup codes: a salted keyed hash of its normalised form, used once. */
@Entity('backup_codes')
@Index('IDX_backup_codes_user', ['userId', 'usedAt'])
export class BackupCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @IdColumn()
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  salt: string;

  @DigestColumn()
  codeDigest: string;

  @DateColumn()
  createdAt: Date;

  @NullableDateColumn()
  usedAt: Date | null;
}
