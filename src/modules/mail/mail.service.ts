import { Injectable, Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { EntityManager } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../config/app-config';
import { OutgoingMail } from './mail.types';

/**
 * Sending mail. PROVISIONAL: sends straight away through SMTP_URL (or logs
 * in development); the mail issue replaces the inside with the admin's SMTP
 * settings and a transactional outbox, keeping these signatures.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');
  private transporter: Transporter | null = null;

  constructor(private readonly config: AppConfig) {}

  /** Whether a message can be sent at all (a server is configured, or the development mailbox). */
  async canSend(): Promise<boolean> {
    return this.config.smtpUrl !== null || this.config.devMailbox;
  }

  /** SMTP_NOT_CONFIGURED when nothing can be sent. */
  async assertCanSend(): Promise<void> {
    if (!(await this.canSend())) throw new DomainException(ErrorCode.SMTP_NOT_CONFIGURED);
  }

  /**
   * Queues a message. With `manager`, the message is written in that
   * transaction, so it is sent if and only if the transaction commits.
   */
  async enqueue(mail: OutgoingMail, _manager?: EntityManager): Promise<void> {
    await this.assertCanSend();
    const text = `${mail.template}\n\n${Object.entries(mail.context)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')}`;
    if (!this.config.smtpUrl) {
      this.logger.log(`Development mailbox: to ${mail.to}\n${text}`);
      return;
    }
    this.transporter ??= createTransport(this.config.smtpUrl);
    void this.transporter
      .sendMail({ from: this.config.mailFrom, to: mail.to, subject: `${this.config.appName}: ${mail.template}`, text })
      .catch((error: Error) => this.logger.error(`Sending to ${mail.to} failed: ${error.message}`));
  }
}
