import { DataSource, DataSourceOptions, EntitySchema } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TwofoldExtensions } from '../extensions/twofold-extension';
import { ALL_ENTITIES } from './entities';
import { ALL_MIGRATIONS } from './migrations';
import { SLOW_QUERY_MS, SqlLogger } from './sql-logger';

/** The TypeORM options for the configured database (MySQL, or embedded SQLite in development). */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  // Parameters never reach the log (SqlLogger); statements only at LOG_LEVEL=debug.
  // Twofold's own tables, then those of the extensions (TwofoldModule.forFeature) imported so far.
  const entities: Array<Function | EntitySchema> = [...ALL_ENTITIES, ...TwofoldExtensions.entities()];
  const common = {
    entities,
    logging: true,
    logger: new SqlLogger(config.logLevel === 'debug'),
    maxQueryExecutionTime: SLOW_QUERY_MS,
  } as const;
  if (config.database.kind === 'mysql') {
    // The mysql2 driver serves both; 'mariadb' only changes how TypeORM reads the live schema.
    return {
      ...common,
      type: config.database.mariadb ? 'mariadb' : 'mysql',
      url: config.database.url,
      migrations: [...ALL_MIGRATIONS, ...TwofoldExtensions.migrations()],
      migrationsTableName: 'migrations',
      synchronize: false,
      // DATABASE_MIGRATE; DatabaseModule runs them under a lock (runMigrationsLocked).
      migrationsRun: config.database.migrate,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: true,
      extra: { connectionLimit: 20 },
    };
  }
  // Development only: the whole file is rewritten after each write; fine for one person.
  return {
    ...common,
    type: 'sqljs',
    location: config.database.file ?? undefined,
    autoSave: config.database.file !== null,
    synchronize: true,
  };
}

/**
 * Applies pending migrations while holding a MySQL named lock, so several
 * instances starting together do not run the same migration twice.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    const [row] = await lock.query(`SELECT GET_LOCK('twofold_migrations', 120) AS acquired`);
    if (Number(row?.acquired) !== 1) throw new Error('Timed out waiting for the migration lock');
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query(`SELECT RELEASE_LOCK('twofold_migrations')`);
    }
  } finally {
    await lock.release();
  }
}
