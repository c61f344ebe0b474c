import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The confirmed phone number of a user who has SMS on. */
@Entity('sms_phones')
export class SmsPhoneEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  phone: string;

  @Column({ type: 'datetime', precision: 3 })
  confirmedAt: Date;
}
