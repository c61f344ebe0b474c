import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A texted code for one sign-in challenge or one pending enrollment: a salted keyed hash, used once. */
@Entity('sms_codes')
@Index('IDX_sms_codes_expires', ['expiresAt'])
export class SmsCodeEntity {
  /** The pending session or pending enrollment it was sent for. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  challengeId: string;

  @Column({ type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: 'sign-in' | 'enrollment';

  @Column({ type: 'varchar', length: 32 })
  salt: string;

  @Column({ type: 'varchar', length: 64 })
  digest: string;

  @Column({ type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  usedAt: Date | null;
}
