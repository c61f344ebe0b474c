import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_MIGRATIONS } from '../src/database/migrations';
import { adminToken, startTestApp, TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';

const root = join(__dirname, '..');

/** `node dist/src/main.js --migrate`, from source: the release step of README's DATABASE_MIGRATE row. */
async function releaseStep(database: TestDatabase): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['-r', join(root, 'test/support/register-ts.cjs'), join(root, 'src/main.ts'), '--migrate'],
      {
        cwd: root,
        timeout: 30_000, // a hang guard: a release step that went on to serve would never exit
        killSignal: 'SIGKILL',
        env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: database.url, APP_SECRET: TEST_APP_SECRET, DATABASE_MIGRATE: 'false', PORT: '0' },
      },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number | null; signal: string | null; stdout: string; stderr: string };
    return { code: failed.code ?? -1, output: `${failed.signal ?? ''}\n${failed.stdout}${failed.stderr}` };
  }
}

describe('DATABASE_MIGRATE=false and the --migrate release step', () => {
  let database: TestDatabase;

  const tables = async (): Promise<string[]> => {
    const connection = await createConnection(database.url);
    try {
      const [rows] = await connection.query(`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`);
      return (rows as Array<{ name: string }>).map((row) => row.name).sort();
    } finally {
      await connection.end();
    }
  };
  const applied = async (): Promise<string[]> => {
    const connection = await createConnection(database.url);
    try {
      const [rows] = await connection.query('SELECT name FROM migrations ORDER BY id');
      return (rows as Array<{ name: string }>).map((row) => row.name);
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('an instance with DATABASE_MIGRATE=false leaves an empty database alone', async () => {
    // No bootstrap admin: with no tables it would have nowhere to go.
    const lines: string[] = [];
    const instance = await startTestApp({
      database,
      env: { DATABASE_MIGRATE: 'false', BOOTSTRAP_ADMIN_EMAIL: '', BOOTSTRAP_ADMIN_PASSWORD: '' },
      logStream: { write: (line) => lines.push(line) },
    });
    await instance.close();
    expect(await tables()).toEqual([]);
  });

  it('the release step applies every migration and exits; instances with DATABASE_MIGRATE=false then serve', async () => {
    const first = await releaseStep(database);
    expect(first, first.output).toMatchObject({ code: 0, output: expect.stringContaining('migrations applied') });
    const names = ALL_MIGRATIONS.map((migration) => (migration as { name: string }).name);
    expect(await applied()).toEqual(names);

    // Run again (the next release with nothing new): nothing applied twice.
    const again = await releaseStep(database);
    expect(again.code, again.output).toBe(0);
    expect(await applied()).toEqual(names);

    const instance = await startTestApp({ database, env: { DATABASE_MIGRATE: 'false' } });
    try {
      const me = await instance.gql(`{ me { email role } }`, {}, { token: await adminToken(instance) });
      expect(me.data.me).toEqual({ email: 'admin@example.com', role: 'ADMIN' });
    } finally {
      await instance.close();
    }
    expect(await applied()).toEqual(names);
  });
});
