import { Controller, Get, Injectable, Logger, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../common/decorators/access.decorators';
import { describeError } from '../common/errors/describe-error';

/** A part of the service that reports its state on /health without failing it (mail). */
export interface HealthIndicator {
  readonly name: string;
  check(): Promise<Record<string, unknown>>;
}

/** Modules add their indicators at start (the mail module adds its own). */
@Injectable()
export class HealthRegistry {
  readonly indicators: HealthIndicator[] = [];

  register(indicator: HealthIndicator): void {
    this.indicators.push(indicator);
  }
}

/**
 * GET /health: 200 whenever the database answers (mail problems are
 * reported in the body, not as a failure); 503 when it does not.
 */
@Controller('health')
@Public()
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: HealthRegistry,
  ) {}

  @Get()
  async health(@Res() res: Response): Promise<void> {
    let database: Record<string, unknown>;
    try {
      await this.dataSource.query('SELECT 1');
      database = { status: 'up', type: this.dataSource.options.type };
    } catch (error) {
      // The driver's message may name hosts and users: it goes to the log, not to whoever asks.
      this.logger.error(`Database check failed: ${describeError(error)}`);
      database = { status: 'down', error: 'unreachable' };
    }
    const body: Record<string, unknown> = { status: database.status === 'up' ? 'ok' : 'error', database };
    for (const indicator of this.registry.indicators) {
      try {
        body[indicator.name] = await indicator.check();
      } catch (error) {
        this.logger.error(`Health check "${indicator.name}" failed: ${describeError(error)}`);
        body[indicator.name] = { status: 'unknown', error: 'check failed' };
      }
    }
    res.status(database.status === 'up' ? 200 : 503).json(body);
  }
}
