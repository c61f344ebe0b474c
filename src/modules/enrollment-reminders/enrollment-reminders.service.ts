import { Clock } from '@app/clock';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { describeError } from '../../common/errors/describe-error';
import { AppConfig } from '../../config/app-config';
import { inTransaction } from '../../database/transactions';
import { formatWhen } from '../mail/mail-notices.listener';
import { MailService } from '../mail/mail.service';
import { PolicyService } from '../policy/policy.service';
import { DueReminder, EnrollmentReminderStore } from '../users/enrollment-reminder-store';

/** A pass every this often (the reminders are about days; the first pass soon after start). */
export const REMINDER_INTERVAL_MS = 10 * 60_000;
const FIRST_PASS_DELAY_MS = 30_000;
const BATCH = 100;
/** Batches per pass; what is left waits for the next pass. */
const MAX_BATCHES = 100;

/**
 * Mails the users in their enrollment grace: when it starts, and again a
 * day before it ends (EnrollmentReminderStore picks who). Each reminder is
 * marked sent and queued in one transaction, so every instance may run the
 * job and each reminder goes out once. Without a mail server nothing is
 * marked: the reminders wait for one.
 */
@Injectable()
export class EnrollmentReminders implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EnrollmentReminders');
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: EnrollmentReminderStore,
    private readonly mail: MailService,
    private readonly policies: PolicyService,
    private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundJobs) this.schedule(FIRST_PASS_DELAY_MS);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  /** One pass; answers how many reminders it queued. Public for tests and operators. */
  async runOnce(): Promise<number> {
    const policy = await this.policies.get();
    if (policy.enrollmentGraceDays <= 0 || !(await this.mail.canSend())) return 0;
    let sent = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.stopped; batch++) {
      const now = this.clock.now();
      const due = await this.store.due(policy, now, BATCH);
      for (const reminder of due) if (await this.send(reminder, now)) sent++;
      if (due.length < BATCH) break;
    }
    if (sent > 0) this.logger.log(`Queued ${sent} enrollment reminder(s)`);
    return sent;
  }

  private send(reminder: DueReminder, now: Date): Promise<boolean> {
    const daysLeft = Math.max(1, Math.ceil((reminder.dueAt.getTime() - now.getTime()) / 86_400_000));
    return inTransaction(
      this.dataSource,
      async (manager) => {
        if (!(await this.store.claim(manager, reminder))) return false;
        await this.mail.enqueue(
          {
            to: reminder.user.email,
            template: reminder.stage === 1 ? 'enrollment-reminder' : 'enrollment-last-reminder',
            context: { dueAt: formatWhen(reminder.dueAt), daysLeft },
            userId: reminder.user.id,
            // Past the due date it would only confuse: the next sign-in asks for enrollment anyway.
            expiresAt: reminder.dueAt,
          },
          manager,
        );
        return true;
      },
      { name: 'enrollment reminder' },
    );
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce()
        .catch((error: unknown) => this.logger.error(`Enrollment reminder pass failed: ${describeError(error)}`))
        .finally(() => {
          this.current = null;
          this.schedule(REMINDER_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
