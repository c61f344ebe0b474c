import { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

/** A row's place in a newest-first listing. */
export interface PageKey {
  id: string | number;
  createdAt: Date;
}

/**
 * The first `limit` keys, newest first by (createdAt, id), of the union of
 * several ranges. Each range is a query builder (alias `row`) whose WHERE is
 * equalities on the leading columns of an index that continues with
 * (createdAt[, id]): it reads its rows in index order and stops after
 * `limit`. A filter with several values (types IN (…), a role not given)
 * is several such ranges, never one IN over an index, whose rows MySQL and
 * MariaDB would have to sort all before the LIMIT. One statement:
 *
 *   SELECT * FROM (range 1 ORDER BY … LIMIT n) r0 UNION ALL SELECT * FROM (…) r1 … ORDER BY … LIMIT n
 *
 * so a page costs at most (ranges × limit) index entries, however many rows
 * match. Only (id, createdAt) are read: with no other condition the index
 * covers them, and the caller loads the page's rows by primary key.
 */
export async function newestFirstKeys<T extends ObjectLiteral>(
  repository: Repository<T>,
  ranges: Array<SelectQueryBuilder<T>>,
  limit: number,
): Promise<PageKey[]> {
  if (ranges.length === 0) return [];
  const [sql, parameters] = newestFirstStatement(ranges, limit);
  const rows: Array<{ id: string | number; createdAt: unknown }> = await repository.query(sql, parameters);
  const driver = repository.manager.connection.driver;
  const createdAt = repository.metadata.findColumnWithPropertyName('createdAt')!;
  return rows.map((row) => ({ id: row.id, createdAt: driver.prepareHydratedValue(row.createdAt, createdAt) as Date }));
}

/** The one statement newestFirstKeys runs (the index test EXPLAINs it). */
export function newestFirstStatement<T extends ObjectLiteral>(ranges: Array<SelectQueryBuilder<T>>, limit: number): [string, unknown[]] {
  const parts = ranges.map((range) =>
    range
      .select('row.id', 'id')
      .addSelect('row.createdAt', 'createdAt')
      .orderBy('row.createdAt', 'DESC')
      .addOrderBy('row.id', 'DESC')
      .limit(limit)
      .getQueryAndParameters(),
  );
  const sql =
    parts.length === 1
      ? parts[0][0]
      : `${parts.map(([part], i) => `SELECT * FROM (${part}) r${i}`).join(' UNION ALL ')} ORDER BY createdAt DESC, id DESC LIMIT ${Number(limit)}`;
  return [sql, parts.flatMap(([, parameters]) => parameters)];
}

/**
 * The rows of these keys, in the keys' order (one primary-key lookup each,
 * in one statement).
 */
export async function rowsInOrder<T extends ObjectLiteral & { id: string | number }>(repository: Repository<T>, keys: PageKey[]): Promise<T[]> {
  if (keys.length === 0) return [];
  const rows = await repository.createQueryBuilder('row').where('row.id IN (:...ids)', { ids: keys.map((key) => key.id) }).getMany();
  const byId = new Map(rows.map((row) => [String(row.id), row]));
  return keys.map((key) => byId.get(String(key.id))).filter((row): row is T => row !== undefined);
}

/** Rows strictly older than the cursor's (createdAt, id), for `row`: one range on an index ending in (createdAt, id). */
export function olderThan<T extends ObjectLiteral>(range: SelectQueryBuilder<T>, cursor: PageKey | null): SelectQueryBuilder<T> {
  if (!cursor) return range;
  return range.andWhere('(row.createdAt < :cursorAt OR (row.createdAt = :cursorAt AND row.id < :cursorId))', {
    cursorAt: cursor.createdAt,
    cursorId: cursor.id,
  });
}
