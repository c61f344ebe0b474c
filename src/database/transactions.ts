import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/** MySQL/MariaDB errors after which the whole transaction may simply run again. */
const RETRYABLE_ERRNOS = new Set([
  1213, // ER_LOCK_DEADLOCK: InnoDB rolled this transaction back to break a cycle
  1205, // ER_LOCK_WAIT_TIMEOUT: the statement (not the transaction) failed; ours is rolled back whole
]);

/** Runs of one transaction before its error is let through. */
export const TRANSACTION_ATTEMPTS = 4;

const logger = new Logger('Transactions');

/** Lock conflicts met (and retried) by this process: the concurrency tests read it to see the cause is gone, not just hidden. */
let lockConflicts = 0;
export function lockConflictsSeen(): number {
  return lockConflicts;
}

/** True for a deadlock or lock-wait timeout reported by mysql2 (through TypeORM's QueryFailedError or not). */
export function isRetryableLockError(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number } } | null)?.driverError ?? error;
  const errno = (driverError as { errno?: number } | null)?.errno;
  return typeof errno === 'number' && RETRYABLE_ERRNOS.has(errno);
}

export interface TransactionOptions {
  /**
   * READ COMMITTED (the default here) takes no gap locks on index ranges, so
   * two users writing their own rows never block, or deadlock, on each
   * other's gaps. Every transaction here locks what it must explicitly (the
   * user's row) and reads nothing it relies on without that lock.
   */
  isolation?: IsolationLevel;
  /** For the log line of a retry. */
  name?: string;
}

/**
 * The one way this code base opens a transaction: READ COMMITTED, and on a
 * MySQL deadlock (1213) or lock-wait timeout (1205) the whole transaction
 * runs again, up to TRANSACTION_ATTEMPTS times, after a short random pause.
 * `work` must therefore be safe to run again: it may only write through
 * `manager`, and its effects outside the database (mail, events) belong
 * after the commit. The embedded SQLite runs one transaction at a time and
 * ignores the isolation level.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const sqlite = dataSource.options.type === 'sqljs' || dataSource.options.type === 'better-sqlite3';
  const isolation = options.isolation ?? 'READ COMMITTED';
  for (let attempt = 1; ; attempt++) {
    try {
      return sqlite ? await dataSource.transaction(work) : await dataSource.transaction(isolation, work);
    } catch (error) {
      if (!isRetryableLockError(error)) throw error;
      lockConflicts++;
      if (attempt >= TRANSACTION_ATTEMPTS) throw error;
      logger.warn(`Transaction${options.name ? ` "${options.name}"` : ''} hit a lock conflict; running it again (attempt ${attempt + 1})`);
      // 5-40 ms, growing, random: the two sides of a deadlock do not collide again in step.
      await sleep(Math.round((5 + Math.random() * 15) * attempt));
    }
  }
}
