import { EntityMetadata, ObjectLiteral, Repository } from 'typeorm';

/**
 * A module's part of a statement another module sends: its table (joined)
 * and columns, and how to read them back. So one round trip can fetch what
 * several modules need (the session and the policy; at sign-in the user,
 * their attempt counter, methods and the policy) while each module still
 * owns its own table, columns and hydration.
 */
export interface JoinedRead<T> {
  /** `table alias ON ...`, for a LEFT JOIN; absent when the columns are sub-queries. */
  join?: string;
  /** The select list, every column prefixed so that parts never collide. */
  columns: string;
  read(row: Record<string, unknown>): T;
}

/** `alias.column AS prefixproperty` for every column of the entity. */
export function selectColumns(repository: Repository<ObjectLiteral>, alias: string, prefix: string): string {
  const driver = repository.manager.connection.driver;
  return repository.metadata.columns.map((c) => `${alias}.${driver.escape(c.databaseName)} AS ${driver.escape(prefix + c.propertyName)}`).join(', ');
}

/** The entity read back from the prefixed columns (through the driver's own conversions), or null when the joined row was missing. */
export function hydrate<T extends ObjectLiteral>(repository: Repository<T>, row: Record<string, unknown>, prefix: string): T | null {
  const metadata: EntityMetadata = repository.metadata;
  const driver = repository.manager.connection.driver;
  const key = metadata.primaryColumns[0].propertyName;
  if (row[prefix + key] == null) return null;
  const entity = {} as Record<string, unknown>;
  for (const column of metadata.columns) entity[column.propertyName] = driver.prepareHydratedValue(row[prefix + column.propertyName], column);
  return repository.create(entity as never) as unknown as T;
}
