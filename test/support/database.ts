import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/** A MySQL/MariaDB server where the tests may create and drop databases. */
const ADMIN_URL = (process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty MariaDB database for one test file; the app migrates it. */
export async function createTestDatabase(prefix = 'twofold_e2e'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const connection = await createConnection(ADMIN_URL);
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await connection.end();
  return {
    name,
    url: `${ADMIN_URL}/${name}`,
    async drop() {
      const c = await createConnection(ADMIN_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
