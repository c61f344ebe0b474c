import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { createTestDatabase, TestDatabase } from './support/database';
import { TEST_APP_SECRET } from './support/app';

describe('migrations and entities agree', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('twofold_drift');
    const config = loadConfig({ APP_SECRET: TEST_APP_SECRET, DATABASE_URL: database.url.replace(/^mysql:/, 'mariadb:') });
    dataSource = await new DataSource({ ...dataSourceOptions(config), migrationsRun: false }).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('every migration applies to an empty database, and then the entities need no schema change', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.length).toBe(dataSource.migrations.length);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('migrations revert cleanly', async () => {
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    const tables: Array<Record<string, string>> = await dataSource.query('SHOW TABLES');
    expect(tables.map((t) => Object.values(t)[0])).toEqual(['migrations']);
  });
});
