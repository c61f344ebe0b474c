import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';

/**
 * One row (id 1): the admin's Custom SMTP Server. Absent until an admin sets
 * it; until then SMTP_URL (or the development mailbox) is used.
 */
@Entity('smtp_settings')
export class SmtpSettingsEntity {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 255 })
  host: string;

  @Column({ type: 'int' })
  port: number;

  /** TLS from the first byte (465); false: STARTTLS when the server offers it. */
  @Column({ type: 'boolean' })
  secure: boolean;

  @Column({ type: 'varchar', length: 255, nullable: true })
  username: string | null;

  /** Sealed with SecretSealer (context 'smtp-password'); never returned, never logged. */
  @Column({ type: 'text', nullable: true })
  passwordSealed: string | null;

  @Column({ type: 'varchar', length: 254 })
  fromAddress: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  fromName: string | null;

  /** Every instance compares it on each send: a change applies to the next message. */
  @DateColumn()
  updatedAt: Date;
}
