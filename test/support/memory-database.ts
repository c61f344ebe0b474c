import { DataSource, EntitySchema } from 'typeorm';

/**
 * An in-memory SQLite database (sql.js, the embedded database of `npm start`)
 * with the given entities' tables: for unit specs of rules that live in SQL
 * (conditional UPDATEs), fast enough to run for every mutant of the mutation
 * run. The SQL is the same on MariaDB except where conditionalUpdate orders
 * assignments, which test/conditional-update.e2e-spec.ts checks on both.
 */
export async function memoryDatabase(entities: Array<Function | EntitySchema>): Promise<DataSource> {
  return new DataSource({ type: 'sqljs', entities, synchronize: true }).initialize();
}

/** A recording stand-in for the EventBus: what was published, in order. */
export function recordingEvents() {
  const published: Array<{ type: string; userId?: string | null; actorId?: string | null; client?: unknown; details?: Record<string, unknown> }> = [];
  return {
    published,
    async publish(event: (typeof published)[number]) {
      // Typed event classes carry their fields on the instance: copy them as the bus would.
      published.push({ type: event.type, userId: event.userId, actorId: event.actorId, client: event.client, details: event.details });
    },
  };
}
