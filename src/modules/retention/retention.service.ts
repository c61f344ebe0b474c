import { Clock } from '@app/clock';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { TwofoldExtensions } from '../../extensions/twofold-extension';
import { SecretsService } from '../secrets/secrets.service';
import { RETENTION_RULES, RetentionRule } from './retention.rules';
import { describeError } from '../../common/errors/describe-error';

/** Rows deleted per statement: short statements, short row locks. */
const BATCH_SIZE = 500;
/** Batches per table per pass; what is left waits for the next pass. */
const MAX_BATCHES = 200;
/** The first pass runs this long after start, then every RETENTION_INTERVAL_MINUTES. */
const FIRST_PASS_DELAY_MS = 60_000;

/**
 * Deletes rows nobody can use any more (expired sessions, codes, challenges,
 * trusted devices, idle throttle counts, retired hashing keys nothing alive
 * used) and security events past
 * AUDIT_RETENTION_DAYS. Every instance runs it; deleting is idempotent, so
 * two instances at once only repeat a little work. Rows are picked by a
 * plain SELECT and deleted by primary key in small batches, so a pass never
 * holds locks that a sign-in would wait on.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly secrets: SecretsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundJobs && this.config.retentionIntervalMinutes > 0) this.schedule(FIRST_PASS_DELAY_MS);
  }

  /** Stops, and waits for a pass in progress to end its batch (the database is still open here). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** One pass over every table; answers how many rows each lost. Public for tests and operators. */
  async runOnce(): Promise<Record<string, number>> {
    const now = this.clock.now();
    const deleted: Record<string, number> = {};
    for (const rule of [...RETENTION_RULES, ...TwofoldExtensions.retention()]) {
      const count = await this.prune(rule, now);
      if (count > 0) deleted[this.dataSource.getMetadata(rule.entity).tableName] = count;
    }
    // Hashing keys retired by an APP_SECRET rotation, once nothing they hashed is alive.
    if (!this.stopped) {
      const keys = await this.secrets.dropUnusedKeys();
      if (keys > 0) deleted.hashing_keys = keys;
    }
    if (Object.keys(deleted).length > 0) this.logger.log(`Deleted rows past retention: ${JSON.stringify(deleted)}`);
    return deleted;
  }

  private async prune(rule: RetentionRule, now: Date): Promise<number> {
    const condition = rule.where(now, this.config);
    if (!condition) return 0;
    const repository = this.dataSource.getRepository(rule.entity);
    const [primary] = repository.metadata.primaryColumns;
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.stopped; batch++) {
      const rows: Array<{ pk: unknown }> = await repository
        .createQueryBuilder('row')
        .select(`row.${primary.propertyName}`, 'pk')
        .where(condition.sql, condition.parameters)
        .limit(BATCH_SIZE)
        .getRawMany();
      if (rows.length === 0) break;
      // The condition again: a row renewed since the SELECT (a throttle count, say) stays.
      const result = await repository
        .createQueryBuilder()
        .delete()
        .where(`${primary.databaseName} IN (:...keys)`, { keys: rows.map((r) => r.pk) })
        .andWhere(condition.sql.replace(/\brow\./g, ''), condition.parameters)
        .execute();
      total += result.affected ?? 0;
      if (rows.length < BATCH_SIZE) break;
    }
    return total;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce()
        .catch((error: unknown) => this.logger.error(`Retention pass failed: ${describeError(error)}`))
        .finally(() => {
          this.current = null;
          if (!this.stopped) this.schedule(this.config.retentionIntervalMinutes * 60_000);
        });
    }, delayMs);
    this.timer.unref();
  }
}
