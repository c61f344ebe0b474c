import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Role } from '../../../common/auth/role';
import { DateColumn } from '../../../database/columns';

@Entity('users')
@Index('IDX_users_created', ['createdAt', 'id'])
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Trimmed and lower-cased; unique. */
  @Index('UQ_users_email', { unique: true })
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** argon2id (PHC string). */
  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName: string | null;

  @Column({ type: 'varchar', length: 32 })
  role: Role;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  updatedAt: Date;
}
