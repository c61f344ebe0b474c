import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestFirstStatement, olderThan } from '../src/database/newest-first';
import { SecurityEventsService } from '../src/modules/security-events/security-events.service';
import { UserDirectory, UserFilters } from '../src/modules/users/user-directory.service';
import { startTestApp, TestApp } from './support/app';

interface PlanRow {
  id: number;
  select_type: string;
  table: string;
  type: string;
  key: string | null;
  rows: number;
  Extra: string | null;
}

const USERS = 30_000;
const EVENTS = 60_000;

/**
 * The admin's pages and counts read MariaDB's indexes, as the optimizer plans
 * them on tables large enough for the plan to mean something (EXPLAIN of the
 * very statements the services send): every range of a page comes from an
 * index in order (no filesort: it stops after the page), and totalCount
 * counts index entries without reading a row (Using index). The figures on
 * a million users and five million events are the bench's (scenarios 7 and
 * 8, docs/performance.md).
 */
describe('the admin filters plan on indexes (EXPLAIN on MariaDB)', () => {
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    dataSource = t.app.get(DataSource);
    const c = await createConnection(t.database.url);
    try {
      await c.query('CREATE TABLE digits (d INT NOT NULL PRIMARY KEY)');
      await c.query('INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
      const numbers = `SELECT 1 + a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d AS n FROM digits a, digits b, digits c, digits d, digits e`;
      // 1 % admins, 2 % disabled, a third with a second factor; events of 4 types over 60 days from 200 addresses.
      await c.query(
        `INSERT INTO users (id, email, passwordHash, displayName, role, createdAt, updatedAt, disabled, twoFactorEnabled)
         SELECT CONCAT('f0000000-0000-4000-8000-', LPAD(n, 12, '0')), CONCAT('f', n, '@filler.example'), 'x', NULL,
                IF(n % 100 = 0, 'ADMIN', 'AGENT'), NOW(3) - INTERVAL n MINUTE, NOW(3), n % 50 = 0, n % 3 = 0
         FROM (${numbers}) s WHERE n <= ?`,
        [USERS],
      );
      for (const offset of [0, USERS]) {
        await c.query(
          `INSERT INTO security_events (type, userId, ip, createdAt)
           SELECT ELT(1 + n % 4, 'SIGN_IN_SUCCEEDED', 'SIGN_IN_FAILED', 'TWO_FACTOR_FAILED', 'SIGNED_OUT'),
                  CONCAT('f0000000-0000-4000-8000-', LPAD(1 + n % ${USERS}, 12, '0')), CONCAT('10.0.', n % 200, '.1'),
                  NOW(3) - INTERVAL ((n + ?) * 86) SECOND
           FROM (${numbers}) s WHERE n <= ?`,
          [offset, Math.min(USERS, EVENTS - offset)],
        );
      }
      await c.query('DROP TABLE digits');
      await c.query('ANALYZE TABLE users, security_events');
    } finally {
      await c.end();
    }
  }, 120_000);
  afterAll(async () => t?.close());

  const explain = async ([sql, parameters]: [string, unknown[]]): Promise<PlanRow[]> => dataSource.query(`EXPLAIN ${sql}`, parameters);
  /** The rows that read a table (not the union's own temporary result). */
  const reads = (plan: PlanRow[]) => plan.filter((row) => !row.table.startsWith('<'));

  const FILTERS: UserFilters[] = [
    { role: 'ADMIN' as never },
    { role: 'AGENT' as never, disabled: false },
    { disabled: true },
    { twoFactorEnabled: false },
    { twoFactorEnabled: true, disabled: true },
    { role: 'ADMIN' as never, twoFactorEnabled: false, disabled: false },
  ];

  it('totalCount counts ranges of IDX_users_filters without reading a row', async () => {
    const directory = t.app.get(UserDirectory);
    for (const filters of FILTERS) {
      const plan = reads(await explain((await directory.countQuery(filters)).getQueryAndParameters() as [string, unknown[]]));
      // ref: one equality range; range: several.
      const shape = plan.map((r) => ({ key: r.key, ranged: r.type === 'range' || r.type === 'ref', covering: /Using index/.test(r.Extra ?? '') }));
      expect({ filters, shape }).toEqual({ filters, shape: [{ key: 'IDX_users_filters', ranged: true, covering: true }] });
    }
    // No filter: a count of the smallest index, still no row read.
    const [all] = reads(await explain((await directory.countQuery({})).getQueryAndParameters() as [string, unknown[]]));
    expect(all.type).not.toBe('ALL');
    expect(all.Extra).toMatch(/Using index/);
  });

  it('a users page reads each range of the filters in index order and stops (no filesort)', async () => {
    const directory = t.app.get(UserDirectory);
    for (const filters of [...FILTERS, {}]) {
      const ranges = (await directory.ranges(filters)).map((range) => olderThan(range, null));
      const plan = reads(await explain(newestFirstStatement(ranges, 51)));
      expect(plan).toHaveLength(ranges.length);
      for (const row of plan) {
        expect({ filters, key: row.key, filesort: /filesort/.test(row.Extra ?? '') }).toEqual({
          filters,
          key: Object.keys(filters).length ? 'IDX_users_filters' : 'IDX_users_created',
          filesort: false,
        });
      }
    }
  });

  it('an events page by type and date (and by user, address or nothing) reads each type in index order and stops', async () => {
    const events = t.app.get(SecurityEventsService);
    const since = new Date(Date.now() - 30 * 86_400_000);
    const until = new Date(Date.now() - 86_400_000);
    const user = 'f0000000-0000-4000-8000-000000000007';
    const cases: Array<[string | null, Parameters<SecurityEventsService['ranges']>[1], string]> = [
      [null, { types: ['SIGN_IN_FAILED'], since, until }, 'IDX_security_events_type'],
      [null, { types: ['SIGN_IN_FAILED', 'TWO_FACTOR_FAILED', 'SIGNED_OUT'], since }, 'IDX_security_events_type'],
      [user, { types: ['SIGN_IN_FAILED', 'SIGN_IN_SUCCEEDED'] }, 'IDX_security_events_user_type'],
      [user, {}, 'IDX_security_events_user_created'],
      [null, { ip: '10.0.7.1', since }, 'IDX_security_events_ip'],
      [null, { since, until }, 'IDX_security_events_created'],
    ];
    for (const [userId, filters, key] of cases) {
      const ranges = events.ranges(userId, filters).map((range) => olderThan(range, null));
      const plan = reads(await explain(newestFirstStatement(ranges, 51)));
      expect(plan).toHaveLength(ranges.length);
      for (const row of plan) {
        expect({ filters, key: row.key, filesort: /filesort/.test(row.Extra ?? ''), full: row.type === 'ALL' }).toEqual({ filters, key, filesort: false, full: false });
      }
    }
  });
});
