import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Role } from '../../../common/auth/role';
import { DateColumn, NullableDateColumn } from '../../../database/columns';

@Entity('users')
@Index('IDX_users_created', ['createdAt', 'id'])
// The admin's users page: every filter is an equality on these three, then newest first (user-directory.ts);
// totalCount counts ranges of this index without reading a row.
@Index('IDX_users_filters', ['role', 'disabled', 'twoFactorEnabled', 'createdAt', 'id'])
// The enrollment reminders: users without a method whom the requirement covers, by when it began.
@Index('IDX_users_enrollment_due', ['twoFactorEnabled', 'enrollmentRemindersSent', 'twoFactorRequiredSince'])
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

  /** Set by an admin (disableUser): no sign-in, no live session (the session lookup joins on it). */
  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** When the user last reached AUTHENTICATED. */
  @NullableDateColumn()
  lastSignInAt: Date | null;

  /**
   * Whether the user has any primary method (a row in two_factor_methods),
   * kept by UserMethodsService in the transaction that changes them: the
   * users filter and its count read it from IDX_users_filters.
   */
  @Column({ type: 'boolean', default: false })
  twoFactorEnabled: boolean;

  /**
   * Since when the policy's requirement covers this user (the policy change,
   * their creation under it, or a new role); null while it does not. Their
   * enrollment grace counts from here (EnrollmentGrace).
   */
  @NullableDateColumn()
  twoFactorRequiredSince: Date | null;

  /** Enrollment reminders sent for the current twoFactorRequiredSince: 0, 1 (grace started) or 2 (a day left). */
  @Column({ type: 'tinyint', default: 0 })
  enrollmentRemindersSent: number;
}
