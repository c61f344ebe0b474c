import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthRegistry, HealthReport } from '../../health/health-registry';
import { MailService } from './mail.service';

/**
 * `mail` on GET /health: { configured, source, queueDepth, oldestWaitingSince }.
 * Reads the database only (never SMTP), so a mail outage never fails /health;
 * a growing queue and an old oldestWaitingSince are what show it.
 */
@Injectable()
export class MailHealthIndicator implements HealthReport, OnModuleInit {
  readonly name = 'mail';

  constructor(
    private readonly registry: HealthRegistry,
    private readonly mail: MailService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<Record<string, unknown>> {
    const health = await this.mail.health();
    return { ...health, oldestWaitingSince: health.oldestWaitingSince?.toISOString() ?? null };
  }
}
