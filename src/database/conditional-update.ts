import { ObjectLiteral, Repository } from 'typeorm';

/** A column's new value: a plain value, or SQL over the row as it was before the statement. */
export type Assignment = (() => string) | string | number | boolean | Date | null;

export interface ConditionalUpdate {
  /**
   * Column → new value. Every SQL expression reads the OLD row, whatever the
   * order of the keys: MySQL evaluates SET assignments left to right, each
   * seeing the ones before it, while SQLite evaluates them all against the old
   * row, so the assignments are sent in an order where no column is changed
   * before an expression that reads it.
   */
  set: Record<string, Assignment>;
  /** SQL over the table's own columns (no alias), with :named parameters. */
  where: string;
  parameters?: Record<string, unknown>;
}

/**
 * The primitive behind every shared counter (attempts, sign-in throttle,
 * send budget): one UPDATE whose WHERE says when the change is allowed, and
 * whose affected-row count says whether it happened. Never read-then-write.
 */
export async function conditionalUpdate<T extends ObjectLiteral>(repository: Repository<T>, update: ConditionalUpdate): Promise<number> {
  const result = await repository
    .createQueryBuilder()
    .update()
    .set(orderAssignments(update.set) as never)
    .where(update.where)
    .setParameters(update.parameters ?? {})
    .execute();
  return result.affected ?? 0;
}

/**
 * The assignments reordered so that an assignment reading column C comes
 * before the assignment of C. A cycle (A reads B and B reads A) cannot be
 * written as one MySQL UPDATE this way: it is a programming error, thrown.
 */
export function orderAssignments(set: Record<string, Assignment>): Record<string, Assignment> {
  const columns = Object.keys(set);
  const reads = new Map<string, Set<string>>();
  for (const column of columns) {
    const value = set[column];
    const sql = typeof value === 'function' ? value() : '';
    reads.set(column, new Set(columns.filter((other) => other !== column && readsColumn(sql, other))));
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < columns.length) {
    // Next: a column that no unplaced assignment still needs to read.
    const next = columns.find((c) => !placed.has(c) && columns.every((other) => placed.has(other) || other === c || !reads.get(other)!.has(c)));
    if (next === undefined) {
      const left = columns.filter((c) => !placed.has(c));
      throw new Error(`conditionalUpdate: the assignments of ${left.join(', ')} read each other; no order keeps the old values on MySQL`);
    }
    ordered.push(next);
    placed.add(next);
  }
  return Object.fromEntries(ordered.map((column) => [column, set[column]]));
}

/** Whether `sql` mentions the column (not as a :parameter, not as part of a longer name). */
function readsColumn(sql: string, column: string): boolean {
  return new RegExp(`(?<![\\w.:])${column}(?![\\w])`).test(sql);
}
