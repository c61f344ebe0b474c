import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionService } from '../src/modules/retention/retention.service';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';

const RECIPE = readFileSync(join(__dirname, '../deploy/mysql/security-events-partitions.sql'), 'utf8');

/** The recipe's statements, in order, with its example months (2027-01, -02, -03) moved to `months` (YYYY-MM). */
function statementsFor([first, second, third]: string[]): string[] {
  const swaps: Array<[string, string]> = [
    ['2027_01', first.replace('-', '_')],
    ['2027-01', first],
    ['2027_02', second.replace('-', '_')],
    ['2027-02', second],
    ['2027-03', third],
  ];
  const sql = swaps.reduce((text, [from, to]) => text.split(from).join(to), RECIPE);
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/** YYYY-MM of the month `add` months after `date`'s. */
const month = (date: Date, add: number) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + add, 1)).toISOString().slice(0, 7);

/**
 * deploy/mysql/security-events-partitions.sql on the migrated schema: the
 * audit trail keeps working on monthly partitions (writes, every filter of
 * the events page, paging), the retention job leaves it to the DBA, and
 * dropping a month removes exactly that month.
 */
describe('security_events in monthly partitions (docs/scaling.md)', () => {
  let t: TestApp;
  let admin: string;
  const query = (sql: string) => t.app.get(DataSource).query(sql);
  const EVENTS = `query($types: [String!], $first: Int, $after: String) { securityEvents(types: $types, first: $first, after: $after) { nextCursor items { id type createdAt } } }`;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '0' } });
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  it('applies to the migrated schema, and the API writes, filters and pages events across months', async () => {
    const started = t.clock.now();
    const [current, next, afterNext, later] = [0, 1, 2, 3].map((n) => month(started, n));
    const part = (m: string) => `p${m.replace('-', '_')}`;
    const oldest = `p_before_${next.replace('-', '_')}`;
    const [primaryKey, partition, split, drop] = statementsFor([next, afterNext, later]);
    await query(primaryKey);
    await query(partition);
    await query(split);
    const partitions = await query(
      `SELECT PARTITION_NAME AS name FROM INFORMATION_SCHEMA.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'security_events' ORDER BY PARTITION_ORDINAL_POSITION`,
    );
    expect(partitions.map((p: { name: string }) => p.name)).toEqual([oldest, part(next), part(afterNext), 'p_future']);

    // This month (the oldest partition): a user, failed and successful sign-ins.
    await createUser(t, admin, { email: 'partitioned@example.com', password: 'partitioned-password' });
    for (let i = 0; i < 3; i++) {
      expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'partitioned@example.com', password: 'wrong-password-1' } }))).toBe('INVALID_CREDENTIALS');
    }
    t.clock.advanceSeconds(3600);
    await signIn(t, 'partitioned@example.com', 'partitioned-password');
    // The middle of next month, then of the month after.
    for (const m of [next, afterNext]) {
      t.clock.advanceSeconds((Date.parse(`${m}-15T12:00:00Z`) - t.clock.now().getTime()) / 1000);
      await signIn(t, 'partitioned@example.com', 'partitioned-password');
    }

    const countIn = async (name: string) => Number((await query(`SELECT COUNT(*) AS n FROM security_events PARTITION (${name})`))[0].n);
    const inOldest = await countIn(oldest);
    expect(inOldest).toBeGreaterThanOrEqual(5);
    expect(await countIn(part(next))).toBeGreaterThanOrEqual(1);
    expect(await countIn(part(afterNext))).toBeGreaterThanOrEqual(1);

    // Every event, newest first; then the same two at a time, across the partitions.
    admin = await adminToken(t);
    const all = await t.gql(EVENTS, { first: 100 }, { token: admin });
    expect(all.errors).toBeUndefined();
    const ids: string[] = all.data.securityEvents.items.map((e: { id: string }) => e.id);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await t.gql(EVENTS, { first: 2, after }, { token: admin });
      paged.push(...page.data.securityEvents.items.map((e: { id: string }) => e.id));
      after = page.data.securityEvents.nextCursor;
    } while (after);
    expect(paged).toEqual(ids);
    expect((await t.gql(EVENTS, { types: ['SIGN_IN_FAILED'], first: 10 }, { token: admin })).data.securityEvents.items).toHaveLength(3);

    // AUDIT_RETENTION_DAYS=0: the job leaves the audit trail to the DBA.
    expect((await t.app.get(RetentionService).runOnce()).security_events).toBeUndefined();

    // Dropping the oldest month removes exactly what it held.
    await query(drop);
    const left = (await t.gql(EVENTS, { first: 100 }, { token: admin })).data.securityEvents.items;
    expect(left.length).toBe(ids.length - inOldest);
    expect(left.every((e: { createdAt: string }) => e.createdAt >= `${next}-01`)).toBe(true);
  });
});
