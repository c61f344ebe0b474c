import { ObjectLiteral, QueryFailedError, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * INSERT and nothing else. `Repository.insert` reads the row back after
 * the INSERT whenever a column has a database default, one more statement
 * on hot paths where every value is already known (docs/performance.md).
 * With several rows it is also wrong: TypeORM 1.1 writes the rows it reads
 * back into the given objects by position, in primary-key order, so objects
 * with random ids get each other's ids. Never reuse the objects given to a
 * multi-row `Repository.insert`; insert them with this.
 */
export async function insertRows<T extends ObjectLiteral>(
  repository: Repository<T>,
  values: QueryDeepPartialEntity<T> | QueryDeepPartialEntity<T>[],
): Promise<void> {
  await repository.createQueryBuilder().insert().values(values).updateEntity(false).execute();
}

/**
 * Inserts a row that parallel requests may be creating too (a counter, a
 * bookkeeping row): false when the INSERT failed because one of them got
 * there first, and the caller reads the row again.
 */
export async function insertIfAbsent<T extends ObjectLiteral>(repository: Repository<T>, values: QueryDeepPartialEntity<T>): Promise<boolean> {
  try {
    await insertRows(repository, values);
    return true;
  } catch (error) {
    if (error instanceof QueryFailedError) return false;
    throw error;
  }
}

/** A unique or primary key refused the row (MySQL/MariaDB, or the embedded SQLite). */
export function isDuplicateKey(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string } })?.driverError?.code;
  return error instanceof QueryFailedError && (code === 'ER_DUP_ENTRY' || /UNIQUE constraint failed/.test(String(error.message)));
}
