import { Clock } from '@app/clock';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { TwofoldExtensions } from '../../extensions/twofold-extension';
import { SecretsService } from '../secrets/secrets.service';
import { RETENTION_RULES, RetentionRule } from './retention.rules';
import { describeError } from '../../common/errors/describe-error';

/** The first pass runs this long after start, then every RETENTION_INTERVAL_MINUTES. */
const FIRST_PASS_DELAY_MS = 60_000;
/** After a pass that stopped at its cap on some table, the next one starts this soon, until one catches up. */
export const CATCH_UP_DELAY_MS = 10_000;

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
  /** Tables the last pass left rows in because it reached its cap. */
  private behindOn: string[] = [];
  /** Rows deleted per statement (short statements, short row locks), and statements per table per pass. */
  private readonly pass = { batchSize: 500, maxBatches: 200 };

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
    const behind: string[] = [];
    for (const rule of [...RETENTION_RULES, ...TwofoldExtensions.retention()]) {
      const { count, capped } = await this.prune(rule, now);
      const table = this.dataSource.getMetadata(rule.entity).tableName;
      if (count > 0) deleted[table] = count;
      if (capped) behind.push(table);
    }
    this.behindOn = behind;
    if (behind.length > 0) {
      const cap = (this.pass.batchSize * this.pass.maxBatches).toLocaleString('en-US');
      this.logger.warn(`Retention is behind on ${behind.join(', ')} (${cap} rows a table a pass): the next pass starts in ${CATCH_UP_DELAY_MS / 1000} s`);
    }
    // Hashing keys retired by an APP_SECRET rotation, once nothing they hashed is alive.
    if (!this.stopped) {
      const keys = await this.secrets.dropUnusedKeys();
      if (keys > 0) deleted.hashing_keys = keys;
    }
    if (Object.keys(deleted).length > 0) this.logger.log(`Deleted rows past retention: ${JSON.stringify(deleted)}`);
    return deleted;
  }

  /** How long until the next pass: sooner while the last one left rows behind. */
  nextPassDelayMs(): number {
    return this.behindOn.length > 0 ? CATCH_UP_DELAY_MS : this.config.retentionIntervalMinutes * 60_000;
  }

  /** The tables the last pass could not finish (it reached its cap of rows per table). */
  get behind(): readonly string[] {
    return this.behindOn;
  }

  /** Deletes a table's dead rows, batch by batch; `capped` when it stopped at the cap with rows perhaps left. */
  private async prune(rule: RetentionRule, now: Date): Promise<{ count: number; capped: boolean }> {
    const condition = rule.where(now, this.config);
    if (!condition) return { count: 0, capped: false };
    const { batchSize, maxBatches } = this.pass;
    const repository = this.dataSource.getRepository(rule.entity);
    const [primary] = repository.metadata.primaryColumns;
    let total = 0;
    for (let batch = 0; batch < maxBatches && !this.stopped; batch++) {
      const rows: Array<{ pk: unknown }> = await repository
        .createQueryBuilder('row')
        .select(`row.${primary.propertyName}`, 'pk')
        .where(condition.sql, condition.parameters)
        .limit(batchSize)
        .getRawMany();
      if (rows.length === 0) return { count: total, capped: false };
      // The condition again: a row renewed since the SELECT (a throttle count, say) stays.
      const result = await repository
        .createQueryBuilder()
        .delete()
        .where(`${primary.databaseName} IN (:...keys)`, { keys: rows.map((r) => r.pk) })
        .andWhere(condition.sql.replace(/\brow\./g, ''), condition.parameters)
        .execute();
      total += result.affected ?? 0;
      if (rows.length < batchSize) return { count: total, capped: false };
    }
    return { count: total, capped: !this.stopped };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce()
        .catch((error: unknown) => this.logger.error(`Retention pass failed: ${describeError(error)}`))
        .finally(() => {
          this.current = null;
          if (!this.stopped) this.schedule(this.nextPassDelayMs());
        });
    }, delayMs);
    this.timer.unref();
  }
}
