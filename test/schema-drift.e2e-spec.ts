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
    // The one deliberate difference: BIGINT on MySQL, `int` in the entity for SQLite's AUTOINCREMENT (security-event.entity.ts).
    // TypeORM would turn it back into an int in these four statements; nothing else may differ.
    const backToInt = [
      'ALTER TABLE `security_events` CHANGE `id` `id` bigint NOT NULL',
      'ALTER TABLE `security_events` DROP PRIMARY KEY',
      'ALTER TABLE `security_events` DROP COLUMN `id`',
      'ALTER TABLE `security_events` ADD `id` int NOT NULL PRIMARY KEY AUTO_INCREMENT',
    ];
    expect(pending.upQueries.map((q) => q.query)).toEqual(backToInt);
    const [column] = await dataSource.query(`SELECT DATA_TYPE AS type FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'security_events' AND COLUMN_NAME = 'id'`);
    expect(column.type).toBe('bigint');
  });

  it('migrations revert cleanly', async () => {
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    const tables: Array<Record<string, string>> = await dataSource.query('SHOW TABLES');
    expect(tables.map((t) => Object.values(t)[0])).toEqual(['migrations']);
  });
});
