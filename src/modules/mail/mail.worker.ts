import { addMinutes, addSeconds, Clock } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Brackets, In, LessThan, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { MailOutboxEntity, MailOutboxStatus } from './entities/mail-outbox.entity';
import { MailDeliveryError, MailTransport } from './mail-transport.service';
import { outboxSealContext, QueuedMailBody } from './mail.service';
import { MailRenderer, RenderedMail } from './templates/mail-renderer';
import { describeError } from '../../common/errors/describe-error';
import { Metrics, oneOf } from '../../observability/metrics';

/** Why the worker drops a message unsent (the dropped counter's label values). */
const DROP_REASONS = ['expired', 'unreadable'] as const;

/** How long a claim holds a row; far above the bounded send time, so a live instance never loses its row. */
export const CLAIM_LEASE_SECONDS = 120;
/** Retry after 5 s, 10 s, 20 s ... capped at 10 minutes. */
export const FIRST_RETRY_SECONDS = 5;
export const MAX_RETRY_SECONDS = 600;
/** A message with no expiry of its own (a notice) is given up after this long. */
export const GIVE_UP_AFTER_MINUTES = 24 * 60;
/** Finished rows (body already erased) are deleted after this many days. */
export const KEEP_FINISHED_DAYS = 7;
const BATCH = 20;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
}

/**
 * Sends what the outbox holds. Each instance polls (real timers, every
 * MAIL_POLL_MS); a row is claimed with one conditional UPDATE whose affected
 * row count decides, so two instances never send the same message. After a
 * send the body is erased; failures are retried with exponential backoff;
 * an expired message is dropped and the reason recorded.
 *
 * Delivery is at-least-once, not exactly-once: a send that times out is
 * aborted (MailTransport closes its SMTP connection, so a late acceptance
 * cannot follow the retry), but an instance that crashes after the server
 * accepted a message and before the row is marked SENT leaves it PENDING,
 * and it is sent again once the claim lapses (CLAIM_LEASE_SECONDS).
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  readonly instanceId = `${hostname().slice(0, 40)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopping = true;
  private ticks = 0;

  constructor(
    @InjectRepository(MailOutboxEntity) private readonly outbox: Repository<MailOutboxEntity>,
    private readonly transport: MailTransport,
    private readonly renderer: MailRenderer,
    private readonly sealer: SecretSealer,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.backgroundJobs) return;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the message in hand (the database is still open here). */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce()
        .catch((error: unknown) => this.logger.error(`Mail worker pass failed: ${describeError(error)}`))
        .finally(() => {
          this.current = null;
          this.schedule(this.config.mailPollMs);
        });
    }, delayMs);
  }

  /** One pass: claims and sends due messages until none is left (or the app stops). Public for tests. */
  async runOnce(): Promise<void> {
    if (++this.ticks % Math.max(1, Math.round(3_600_000 / this.config.mailPollMs)) === 0) await this.purge();
    for (;;) {
      const now = this.clock.now();
      const due = await this.outbox
        .createQueryBuilder('m')
        .select(['m.id'])
        .where('m.status = :pending', { pending: MailOutboxStatus.PENDING })
        .andWhere('m.nextAttemptAt <= :now', { now })
        .andWhere(new Brackets((q) => q.where('m.claimedUntil IS NULL').orWhere('m.claimedUntil < :now', { now })))
        .orderBy('m.nextAttemptAt', 'ASC')
        .addOrderBy('m.id', 'ASC')
        .limit(BATCH)
        .getMany();
      for (const { id } of due) {
        if (this.stopping) return;
        if (await this.claim(id)) await this.deliver(id);
      }
      if (due.length < BATCH || this.stopping) return;
    }
  }

  /** The one atomic step that makes a row ours: nobody else's live claim, still pending, due. */
  private async claim(id: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.outbox
      .createQueryBuilder()
      .update(MailOutboxEntity)
      .set({ claimedBy: this.instanceId, claimedUntil: addSeconds(now, CLAIM_LEASE_SECONDS) })
      .where('id = :id', { id })
      .andWhere('status = :pending', { pending: MailOutboxStatus.PENDING })
      .andWhere('nextAttemptAt <= :now', { now })
      .andWhere(new Brackets((q) => q.where('claimedUntil IS NULL').orWhere('claimedUntil < :now', { now })))
      .execute();
    return result.affected === 1;
  }

  private async deliver(id: string): Promise<void> {
    const row = await this.outbox.findOneBy({ id, claimedBy: this.instanceId, status: MailOutboxStatus.PENDING });
    if (!row) return;

    let body: QueuedMailBody;
    try {
      body = JSON.parse(this.sealer.unseal(row.body ?? '', outboxSealContext(row.id))) as QueuedMailBody;
    } catch {
      // E.g. APP_SECRET replaced without APP_SECRET_PREVIOUS: nobody can read it any more.
      await this.finish(row, MailOutboxStatus.DROPPED, 'unreadable', null);
      return;
    }

    if (row.expiresAt && row.expiresAt.getTime() <= this.clock.now().getTime()) {
      // A late code is useless: drop it rather than send it.
      await this.finish(row, MailOutboxStatus.DROPPED, 'expired', body.template);
      return;
    }

    let rendered: RenderedMail;
    try {
      rendered = this.renderer.render(body.template, body.context);
    } catch (error) {
      // Cannot get better by waiting (e.g. a template removed since it was queued).
      await this.failed(row, body, 'Could not render the message.', true, describeError(error));
      return;
    }
    try {
      await this.transport.send({ to: body.to, ...rendered });
    } catch (error) {
      // Admins read lastError and the events: the category only. The log keeps what the library said.
      if (error instanceof MailDeliveryError) await this.failed(row, body, error.message, error.permanent, error.detail);
      else await this.failed(row, body, 'Could not send: delivery failed.', false, describeError(error));
      return;
    }
    const sent = await this.outbox.update(
      // Still PENDING: a message superseded after its lease ran out stays DROPPED.
      { id: row.id, claimedBy: this.instanceId, status: MailOutboxStatus.PENDING },
      { status: MailOutboxStatus.SENT, body: null, sentAt: this.clock.now(), claimedBy: null, claimedUntil: null, lastError: null },
    );
    this.metrics.mailSent.inc();
    if (sent.affected !== 1) this.logger.warn(`Message ${row.id} was sent but its claim had run out`);
  }

  /** `reason` is what admins may read (a category); `detail` goes to the log only. */
  private async failed(row: MailOutboxEntity, body: QueuedMailBody, reason: string, permanent: boolean, detail = reason): Promise<void> {
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    let nextAttemptAt = addSeconds(now, retryDelaySeconds(attempts));
    const giveUpAt = row.expiresAt ?? addMinutes(row.createdAt, GIVE_UP_AFTER_MINUTES);
    // A code message is looked at again when it expires at the latest, so its sealed body goes then.
    if (row.expiresAt && nextAttemptAt > row.expiresAt) nextAttemptAt = row.expiresAt;
    this.logger.warn(`Delivery of message ${row.id} failed (attempt ${attempts}): ${reason} (${detail})`);
    this.metrics.mailFailedAttempts.inc();

    if (permanent || (row.expiresAt === null && nextAttemptAt >= giveUpAt)) {
      await this.finish(row, MailOutboxStatus.FAILED, 'delivery-failed', body.template, { attempts, lastError: reason });
      return;
    }
    const updated = await this.outbox.update(
      { id: row.id, claimedBy: this.instanceId },
      { attempts, nextAttemptAt, lastError: reason.slice(0, 500), claimedBy: null, claimedUntil: null },
    );
    // The first failure tells the admin at once; the last one (giving up or expiry) tells them again.
    if (updated.affected === 1 && attempts === 1) {
      await this.record(SecurityEventType.MAIL_DELIVERY_FAILED, row, { template: body.template, attempts, reason, final: false });
    }
  }

  /** Leaves PENDING for good: body erased, reason kept, event recorded. */
  private async finish(
    row: MailOutboxEntity,
    status: MailOutboxStatus.DROPPED | MailOutboxStatus.FAILED,
    reason: string,
    template: string | null,
    failure?: { attempts: number; lastError: string },
  ): Promise<void> {
    const updated = await this.outbox.update(
      { id: row.id, claimedBy: this.instanceId },
      {
        status,
        body: null,
        finishedAt: this.clock.now(),
        dropReason: reason,
        claimedBy: null,
        claimedUntil: null,
        ...(failure && { attempts: failure.attempts, lastError: failure.lastError.slice(0, 500) }),
      },
    );
    if (updated.affected !== 1) return;
    const attempts = failure?.attempts ?? row.attempts;
    if (status === MailOutboxStatus.DROPPED) {
      this.metrics.mailDropped.inc({ reason: oneOf(reason, DROP_REASONS) });
      this.logger.warn(`Message ${row.id} dropped (${reason}) after ${attempts} attempt(s)`);
      await this.record(SecurityEventType.MAIL_DROPPED, row, { template, reason, attempts, lastError: row.lastError });
    } else {
      this.metrics.mailGivenUp.inc();
      this.logger.error(`Gave up on message ${row.id} after ${attempts} attempt(s): ${failure?.lastError ?? reason}`);
      await this.record(SecurityEventType.MAIL_DELIVERY_FAILED, row, {
        template,
        attempts,
        reason: failure?.lastError ?? reason,
        final: true,
      });
    }
  }

  private async record(type: string, row: MailOutboxEntity, details: Record<string, string | number | boolean | null>): Promise<void> {
    try {
      await this.events.publish({ type, userId: row.userId, details: { messageId: row.id, ...details } });
    } catch (error) {
      this.logger.error(`Could not record ${type} for message ${row.id}: ${describeError(error)}`);
    }
  }

  /** Deletes finished rows (their bodies are already gone) after KEEP_FINISHED_DAYS. */
  private async purge(): Promise<void> {
    const before = addMinutes(this.clock.now(), -KEEP_FINISHED_DAYS * 24 * 60);
    await this.outbox.delete({ status: In([MailOutboxStatus.SENT]), sentAt: LessThan(before) });
    await this.outbox.delete({ status: In([MailOutboxStatus.DROPPED, MailOutboxStatus.FAILED]), finishedAt: LessThan(before) });
  }
}
