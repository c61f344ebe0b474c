import { Logger as NestLogger } from '@nestjs/common';
import { Logger } from 'typeorm';
import { scrubText } from '../common/logging/redact';

/** Queries slower than this are logged as warnings, whatever LOG_LEVEL says. */
export const SLOW_QUERY_MS = 1_000;

/**
 * TypeORM's log, through the application's logger. Statements are logged
 * without their parameters: those carry token digests, sealed secrets and
 * salts. Every statement, and failed ones (the caller handles the error: a
 * duplicate key is often expected), only at LOG_LEVEL=debug; slow ones
 * always.
 */
export class SqlLogger implements Logger {
  private readonly logger = new NestLogger('SQL');

  constructor(private readonly everyQuery: boolean) {}

  logQuery(query: string): void {
    if (this.everyQuery) this.logger.debug(scrubText(query));
  }

  /** The driver's code only: its message may quote the values (a duplicate key names the email). Callers handle the error. */
  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : 'error';
    this.logger.debug(`Query failed (${code}): ${scrubText(query)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`Slow query (${time} ms): ${scrubText(query)}`);
  }

  /** TypeORM reports migrations here too: each one applied, and how many were pending, are always logged. */
  logSchemaBuild(message: string): void {
    const applied = /^Migration (\S+) has been (\(fake\) )?executed successfully\.$/.exec(message);
    const pending = /^(\d+) migrations are new migrations must be executed\.$/.exec(message);
    if (applied) this.logger.log(`Migration ${applied[1]} applied`);
    else if (pending && pending[1] !== '0') this.logger.log(`${pending[1]} migration(s) to apply`);
    else if (this.everyQuery) this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = scrubText(String(message));
    if (level === 'warn') this.logger.warn(text);
    else if (this.everyQuery) this.logger.debug(text);
  }
}
