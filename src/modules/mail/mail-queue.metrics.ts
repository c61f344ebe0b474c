import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '@app/clock';
import { describeError } from '../../common/errors/describe-error';
import { Metrics } from '../../observability/metrics';
import { MailService } from './mail.service';

/** Fills the outbox gauges (depth, age of the oldest waiting message) at each scrape: two indexed reads. */
@Injectable()
export class MailQueueMetrics implements OnModuleInit {
  private readonly logger = new Logger('Metrics');

  constructor(
    private readonly metrics: Metrics,
    private readonly mail: MailService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    if (this.metrics.enabled) this.metrics.beforeScrape(() => this.refresh());
  }

  async refresh(): Promise<void> {
    const { mailQueueDepth, mailQueueOldestAge } = this.metrics;
    try {
      const { queueDepth, oldestWaitingSince } = await this.mail.queue();
      mailQueueDepth.set(queueDepth);
      mailQueueOldestAge.set(oldestWaitingSince ? Math.max(0, (this.clock.now().getTime() - oldestWaitingSince.getTime()) / 1000) : 0);
    } catch (error) {
      // The database is down (readiness says so): unknown (NaN) rather than a stale or a reassuring 0.
      mailQueueDepth.set(Number.NaN);
      mailQueueOldestAge.set(Number.NaN);
      this.logger.debug(`Could not read the mail queue: ${describeError(error)}`);
    }
  }
}
