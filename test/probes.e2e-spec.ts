import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_MIGRATIONS } from '../src/database/migrations';
import { MetricsServer } from '../src/observability/metrics.server';
import { startTestApp, TestApp } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { TcpProxy } from './support/tcp-proxy';

interface ProbeAnswer {
  status: number;
  body: Record<string, any>;
}

/** Liveness and readiness (terminus), with the database reached through a relay the test can cut. */
describe('probes', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  const lines: Array<Record<string, unknown>> = [];

  const probe = async (path: string): Promise<ProbeAnswer> => {
    const response = await fetch(`${t.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  /** Polls until `done` (the pool reconnects on its own schedule); bounded as a hang guard only. */
  const eventually = async (path: string, status: number): Promise<ProbeAnswer> => {
    for (let i = 0; ; i++) {
      const answer = await probe(path);
      if (answer.status === status || i === 200) return answer;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    t = await startTestApp({
      database: { ...database, url: url.toString() },
      env: { LOG_LEVEL: 'info' },
      logStream: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.cut();
    await database?.drop();
  });

  it('logs each migration it applies', () => {
    const messages = lines.filter((line) => line.context === 'SQL').map((line) => line.msg);
    expect(messages).toContain(`${ALL_MIGRATIONS.length} migration(s) to apply`);
    for (const migration of ALL_MIGRATIONS) expect(messages).toContain(`Migration ${migration.name} applied`);
  });

  // First: readiness remembers once every migration has been seen applied.
  it('is not ready while a migration is pending, and is once it is applied', async () => {
    const dataSource = t.app.get(DataSource);
    const [last] = await dataSource.query('SELECT * FROM migrations ORDER BY id DESC LIMIT 1');
    await dataSource.query('DELETE FROM migrations WHERE id = ?', [last.id]);
    for (const path of ['/health/ready', '/health']) {
      const answer = await probe(path);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'error', migrations: { status: 'down', message: 'pending' }, database: { status: 'up' } });
    }
    expect((await probe('/health/live')).status).toBe(200);
    await dataSource.query('INSERT INTO migrations (id, timestamp, name) VALUES (?, ?, ?)', [last.id, last.timestamp, last.name]);
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', database: { status: 'up' }, migrations: { status: 'up' }, lifecycle: { status: 'up' } });
  });

  it('answers 200 with the database, the migrations and the mail state', async () => {
    for (const path of ['/health/ready', '/health']) {
      const answer = await probe(path);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'ok', database: { status: 'up', type: 'mysql' }, migrations: { status: 'up' } });
      expect(answer.body.mail).toMatchObject({ configured: true, queueDepth: 0 });
    }
    expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok', info: {}, error: {}, details: {} } });
  });

  it('without METRICS_PORT there is no metrics server, and /metrics is not on the API port', async () => {
    expect(t.app.get(MetricsServer).url).toBeNull();
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
  });

  it('is not ready while the database is unreachable, stays live, and is ready again when it is back', async () => {
    await proxy.cut();
    for (const path of ['/health/ready', '/health']) {
      const answer = await eventually(path, 503);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'error', database: { status: 'down' } });
      // The driver's message (host, user) stays in the log.
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|root|ECONN/);
    }
    expect((await probe('/health/live')).status).toBe(200);
    expect(lines.some((line) => line.context === 'Health' && String(line.msg).startsWith('Database check failed'))).toBe(true);

    await proxy.restore();
    expect((await eventually('/health/ready', 200)).status).toBe(200);
  });
});
