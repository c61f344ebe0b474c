import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, IdColumn, NullableDateColumn } from '../../../database/columns';

export enum MailOutboxStatus {
  /** Waiting to be sent (or between retries). */
  PENDING = 'PENDING',
  SENT = 'SENT',
  /** Not sent on purpose: its code expired first, or it cannot be read any more. */
  DROPPED = 'DROPPED',
  /** Given up after repeated delivery failures. */
  FAILED = 'FAILED',
}

/**
 * The transactional outbox: a message is written here (in the caller's
 * transaction when it carries a code) and sent by the worker. The body is
 * sealed while it waits and erased once the row leaves PENDING.
 */
@Entity('mail_outbox')
@Index('IDX_mail_outbox_due', ['status', 'nextAttemptAt'])
@Index('IDX_mail_outbox_supersede', ['supersedeKey', 'status'])
export class MailOutboxEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  status: MailOutboxStatus;

  /** SecretSealer.seal(JSON {to, template, context}, 'mail-outbox:<id>'); NULL once the row is done. */
  @Column({ type: 'text', nullable: true })
  body: string | null;

  /** The user the message is for, when known (delivery events name them). */
  @IdColumn({ nullable: true })
  userId: string | null;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  nextAttemptAt: Date;

  /** After this the message is useless (its code expired): dropped, never sent late. */
  @NullableDateColumn()
  expiresAt: Date | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** The instance that holds the row, until claimedUntil (a lease: a crashed instance's claim runs out). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  claimedBy: string | null;

  @NullableDateColumn()
  claimedUntil: Date | null;

  /** The last SMTP error (server response or network error), never the message. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @NullableDateColumn()
  sentAt: Date | null;

  /** When it was dropped or given up, and why. */
  @NullableDateColumn()
  finishedAt: Date | null;

  /** OutgoingMail.supersedeKey: a newer message with the same key drops this one while it waits. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  supersedeKey: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  dropReason: string | null;
}
