import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { describeError } from '../common/errors/describe-error';
import { ServingState } from './serving-state';

/** A probe that takes longer than this counts as a failure (a saturated pool is not ready either). */
export const DATABASE_CHECK_TIMEOUT_MS = 3_000;

/**
 * What readiness depends on, as terminus indicators: the database answers,
 * every migration of this build is applied, and the instance is not
 * shutting down. The mail server is not one of them (see HealthRegistry).
 */
@Injectable()
export class ReadinessIndicators {
  private readonly logger = new Logger('Health');
  /** Once every migration is applied it stays so for this build: checked until then, not after. */
  private migrationsApplied = false;
  private reportedPending = false;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly serving: ServingState,
  ) {}

  async database(): Promise<HealthIndicatorResult> {
    return await this.indicators
      .check('database')
      .attempt(async () => {
        try {
          await this.dataSource.query('SELECT 1');
        } catch (error) {
          // The driver's message may name hosts and users: it goes to the log, not to whoever asks.
          this.logger.error(`Database check failed: ${describeError(error)}`);
          throw new Error('unreachable');
        }
        return { type: this.dataSource.options.type };
      })
      .withTimeout(DATABASE_CHECK_TIMEOUT_MS);
  }

  async migrations(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('migrations');
    if (this.migrationsApplied || this.dataSource.migrations.length === 0) return check.up();
    let pending: boolean;
    try {
      pending = await this.dataSource.showMigrations();
    } catch {
      // The database check says why.
      return check.down({ message: 'unknown' });
    }
    if (!pending) {
      this.migrationsApplied = true;
      if (this.reportedPending) this.logger.log('Every migration is applied: ready');
      return check.up();
    }
    if (!this.reportedPending) {
      this.reportedPending = true;
      this.logger.warn('Migrations are pending (DATABASE_MIGRATE=false?): not ready until `--migrate` has run');
    }
    return check.down({ message: 'pending' });
  }

  lifecycle(): HealthIndicatorResult {
    const check = this.indicators.check('lifecycle');
    return this.serving.shuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }
}
