import { Clock } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { MailOutboxEntity, MailOutboxStatus } from './entities/mail-outbox.entity';
import { MailDeliveryError, MailSource, MailTransport } from './mail-transport.service';
import { MailContext, MailTemplateName, OutgoingMail } from './mail.types';
import { SmtpSettingsChange, SmtpSettingsService, SmtpSettingsView } from './smtp-settings.service';
import { MailRenderer } from './templates/mail-renderer';
import { insertRows } from '../../database/insert-rows';
import { Metrics } from '../../observability/metrics';

/** The sealed part of an outbox row. */
export interface QueuedMailBody {
  to: string;
  template: MailTemplateName;
  context: MailContext;
}

export const outboxSealContext = (id: string) => `mail-outbox:${id}`;

const EMAIL = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+$/;

export interface SmtpSettingsState {
  settings: SmtpSettingsView | null;
  source: MailSource;
}

export interface MailHealth {
  configured: boolean;
  source: MailSource;
  queueDepth: number;
  oldestWaitingSince: Date | null;
}

/**
 * Sending mail. `enqueue` writes the message, sealed, to the outbox table (in
 * the caller's transaction when given its EntityManager); MailWorker sends it.
 * Nothing here waits on SMTP except `sendTestEmail`, which must.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');

  constructor(
    @InjectRepository(MailOutboxEntity) private readonly outbox: Repository<MailOutboxEntity>,
    private readonly transport: MailTransport,
    private readonly settings: SmtpSettingsService,
    private readonly renderer: MailRenderer,
    private readonly sealer: SecretSealer,
    @Inject(Clock) private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Whether a message can be sent at all (a server is configured, or the development mailbox). */
  async canSend(): Promise<boolean> {
    return (await this.transport.route()).source !== 'none';
  }

  /** SMTP_NOT_CONFIGURED when nothing can be sent. */
  async assertCanSend(): Promise<void> {
    if (!(await this.canSend())) throw new DomainException(ErrorCode.SMTP_NOT_CONFIGURED);
  }

  /**
   * Queues a message. With `manager`, the message is written in that
   * transaction, so it is sent if and only if the transaction commits.
   * Returns the message's id.
   */
  async enqueue(mail: OutgoingMail, manager?: EntityManager): Promise<string> {
    // Programming errors show up here, at the caller, not later in the worker.
    this.renderer.assertRenderable(mail.template, mail.context);
    if (typeof mail.to !== 'string' || !EMAIL.test(mail.to)) throw new Error('enqueue: `to` is not an email address');
    await this.assertCanSend();
    const id = randomUUID();
    const now = this.clock.now();
    const body: QueuedMailBody = { to: mail.to, template: mail.template, context: mail.context };
    const row: MailOutboxEntity = {
      id,
      status: MailOutboxStatus.PENDING,
      body: this.sealer.seal(JSON.stringify(body), outboxSealContext(id)),
      userId: mail.userId ?? null,
      createdAt: now,
      nextAttemptAt: now,
      expiresAt: mail.expiresAt ?? null,
      attempts: 0,
      claimedBy: null,
      claimedUntil: null,
      lastError: null,
      sentAt: null,
      finishedAt: null,
      dropReason: null,
      supersedeKey: mail.supersedeKey ?? null,
    };
    await insertRows(manager ? manager.getRepository(MailOutboxEntity) : this.outbox, row);
    return id;
  }

  /**
   * Drops the older messages with this supersede key that still wait (not
   * one a worker holds right now), body and all: `keepId` replaced them.
   * Called after the new message's transaction committed: inside it, the
   * UPDATE's gap lock could deadlock two sign-ins queuing their first code.
   */
  async supersede(key: string, keepId: string): Promise<void> {
    const now = this.clock.now();
    const result = await this.outbox
      .createQueryBuilder()
      .update()
      .set({ status: MailOutboxStatus.DROPPED, body: null, dropReason: 'replaced', finishedAt: now, claimedBy: null, claimedUntil: null })
      .where('supersedeKey = :key AND status = :pending AND id <> :keepId', { key, pending: MailOutboxStatus.PENDING, keepId })
      .andWhere('(claimedUntil IS NULL OR claimedUntil < :now)', { now })
      .execute();
    if (result.affected) this.metrics.mailDropped.inc({ reason: 'replaced' }, result.affected);
  }

  /** The admin's settings (without the password) and where mail goes now. */
  async smtpSettings(): Promise<SmtpSettingsState> {
    const [settings, route] = await Promise.all([this.settings.view(), this.transport.route()]);
    return { settings, source: route.source };
  }

  async updateSmtpSettings(change: SmtpSettingsChange, actorId: string, client?: ClientInfo | null): Promise<SmtpSettingsState> {
    const settings = await this.settings.update(change, actorId, client);
    return { settings, source: (await this.transport.route()).source };
  }

  /**
   * Sends the test message now, not through the queue, so the admin sees the
   * outcome: BAD_USER_INPUT naming the server and a category of failure
   * (connection refused, timed out, TLS, authentication, rejected...), never
   * what the remote server said.
   */
  async sendTestEmail(to: string): Promise<true> {
    const address = (to ?? '').trim();
    if (address.length > 254 || !EMAIL.test(address)) throw DomainException.badInput('to', 'to must be an email address');
    await this.assertCanSend();
    try {
      await this.transport.send({ to: address, ...this.renderer.render('test-message', {}) });
    } catch (error) {
      if (!(error instanceof MailDeliveryError)) throw error;
      this.logger.warn(`Test message not sent: ${error.message} (${error.detail})`);
      throw new DomainException(ErrorCode.BAD_USER_INPUT, error.message);
    }
    return true;
  }

  /** For GET /health: never throws on SMTP problems (it does not talk to SMTP at all). */
  async health(): Promise<MailHealth> {
    const [route, queue] = await Promise.all([this.transport.route(), this.queue()]);
    return { configured: route.source !== 'none', source: route.source, ...queue };
  }

  /** How many messages wait (every instance's), and since when the oldest: /health and the metrics. */
  async queue(): Promise<Pick<MailHealth, 'queueDepth' | 'oldestWaitingSince'>> {
    const pending = { status: MailOutboxStatus.PENDING };
    const [queueDepth, oldest] = await Promise.all([
      this.outbox.countBy(pending),
      this.outbox.findOne({ where: pending, order: { createdAt: 'ASC' }, select: { id: true, createdAt: true } }),
    ]);
    return { queueDepth, oldestWaitingSince: oldest?.createdAt ?? null };
  }
}
