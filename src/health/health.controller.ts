import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../common/decorators/access.decorators';
import { describeError } from '../common/errors/describe-error';
import { HealthRegistry } from './health-registry';
import { ReadinessIndicators } from './readiness';

/**
 * The probes (contract README):
 * - GET /health/live: 200 while the process runs (nothing else is checked:
 *   a restart would not bring the database back);
 * - GET /health/ready and GET /health: 200 when this instance can serve,
 *   503 while the database does not answer, migrations are pending, or the
 *   instance is shutting down. The body has one entry per check
 *   ({ status: 'up' | 'down', … }) and the mail state, which never fails it.
 */
@Controller('health')
@Public()
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
    private readonly registry: HealthRegistry,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get(['ready', ''])
  @HealthCheck()
  async ready(@Res() res: Response): Promise<void> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.readiness.lifecycle(), () => this.readiness.database(), () => this.readiness.migrations()]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      result = error.getResponse() as HealthCheckResult;
    }
    const body: Record<string, unknown> = { status: result.status === 'ok' ? 'ok' : 'error', ...result.details };
    for (const report of this.registry.reports) {
      try {
        body[report.name] = await report.check();
      } catch (error) {
        this.logger.error(`Health report "${report.name}" failed: ${describeError(error)}`);
        body[report.name] = { status: 'unknown', error: 'check failed' };
      }
    }
    res.status(body.status === 'ok' ? 200 : 503).json(body);
  }
}
