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

/**
 * Records the statements `source` runs from now on, in order, as their verb
 * (`UPDATE`, `INSERT`, `SELECT`...) with ` failed` after one the database
 * refused: for specs that count a hot path's round trips. `stop()` ends the
 * recording.
 */
export function recordStatements(source: DataSource) {
  const statements: string[] = [];
  const logger = source.logger;
  const { logQuery, logQueryError } = logger;
  logger.logQuery = (query, parameters, runner) => {
    statements.push(query.trim().split(/\s+/, 1)[0].toUpperCase());
    return logQuery.call(logger, query, parameters, runner);
  };
  logger.logQueryError = (error, query, parameters, runner) => {
    statements[statements.length - 1] += ' failed';
    return logQueryError.call(logger, error, query, parameters, runner);
  };
  return {
    statements,
    /** Forgets what was recorded so far. */
    clear: () => void statements.splice(0),
    stop: () => Object.assign(logger, { logQuery, logQueryError }),
  };
}
