// The bench database: created fresh, with its own MySQL user so that the
// server's statements can be counted apart from everything else.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

const ADMIN_URL = (process.env.BENCH_MYSQL_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');

export async function createBenchDatabase() {
  const name = `twofold_bench_${randomBytes(4).toString('hex')}`;
  const user = `tfbench_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = await createConnection(ADMIN_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL ON \`${name}\`.* TO '${user}'@'%'`);
  // Per-user statement counts (MariaDB's userstat); plain MySQL falls back to Questions.
  let userstat = null;
  try {
    const [[row]] = await admin.query(`SHOW GLOBAL VARIABLES LIKE 'userstat'`);
    if (row) {
      userstat = row.Value;
      await admin.query('SET GLOBAL userstat = 1');
    }
  } catch {
    userstat = null;
  }
  const host = new URL(ADMIN_URL);
  const serverUrl = `mysql://${user}:${password}@${host.hostname}:${host.port || 3306}/${name}`;
  const adminDbUrl = `${ADMIN_URL}/${name}`;
  const version = (await admin.query('SELECT VERSION() AS v'))[0][0].v;

  return {
    name,
    user,
    version,
    /** The server connects with this one. */
    serverUrl,
    /** The bench's own seeding app connects as the admin, so its statements are not counted. */
    adminDbUrl,
    admin,

    /** Statements the server's MySQL user has sent so far, and the rows they inserted, updated or deleted. */
    async statements() {
      if (userstat !== null) {
        const [[row]] = await admin.query(
          `SELECT SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS AS n, BUSY_TIME AS busy,
                  ROWS_INSERTED + ROWS_UPDATED + ROWS_DELETED AS written
             FROM information_schema.USER_STATISTICS WHERE USER = ?`,
          [user],
        );
        return { count: Number(row?.n ?? 0), busySeconds: Number(row?.busy ?? 0), rowsWritten: Number(row?.written ?? 0), exact: true };
      }
      const [[row]] = await admin.query(`SHOW GLOBAL STATUS LIKE 'Questions'`);
      return { count: Number(row.Value), busySeconds: 0, rowsWritten: null, exact: false };
    },

    /**
     * After a bulk load InnoDB keeps writing dirty pages back for minutes,
     * on the same cores as the server: wait until that settles (at most
     * `maxSeconds`) so the large-database figures measure lookups, not
     * the flushing.
     */
    async waitForQuiet(log, maxSeconds = 240) {
      const status = async (name) => Number((await admin.query(`SHOW GLOBAL STATUS LIKE '${name}'`))[0][0]?.Value ?? 0);
      const total = await status('Innodb_buffer_pool_pages_total');
      const started = Date.now();
      let last = -1;
      for (;;) {
        const dirty = await status('Innodb_buffer_pool_pages_dirty');
        const seconds = Math.round((Date.now() - started) / 1000);
        if (dirty <= Math.max(500, total * 0.01) || seconds >= maxSeconds) return { dirty, seconds };
        if (dirty !== last && seconds % 10 < 2) log(`  InnoDB is still writing back: ${dirty.toLocaleString('en-US')} dirty pages (${seconds} s)`);
        last = dirty;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    },

    /** Bytes on disk per table (InnoDB's estimates): data, and all its indexes. */
    async tableBytes() {
      const [rows] = await admin.query(
        `SELECT TABLE_NAME AS t, TABLE_ROWS AS n, DATA_LENGTH AS data, INDEX_LENGTH AS idx FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`,
        [name],
      );
      return Object.fromEntries(rows.map((r) => [r.t, { rows: Number(r.n), dataBytes: Number(r.data), indexBytes: Number(r.idx) }]));
    },

    async tableRows() {
      const [rows] = await admin.query(
        `SELECT TABLE_NAME AS t, TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_ROWS DESC`,
        [name],
      );
      return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
    },

    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      if (userstat !== null && userstat.toUpperCase() !== 'ON') await admin.query('SET GLOBAL userstat = 0').catch(() => {});
      await admin.end();
    },
  };
}

const FILLER_USER = (expr) => `CONCAT('f0000000-0000-4000-8000-', LPAD(${expr}, 12, '0'))`;

/**
 * Bulk filler rows written with INSERT … SELECT over a numbers table:
 * `users` users, `sessions` sessions (a quarter live, the rest expired or
 * revoked) and `events` security events spread over those users.
 */
export async function seedScale(db, { users, sessions, events, passwordHash }, log) {
  const c = await createConnection(db.adminDbUrl);
  const started = Date.now();
  const step = 100_000;
  const max = Math.max(users, sessions, Math.ceil(events / 5));
  try {
    await c.query('SET SESSION unique_checks = 0');
    await c.query('CREATE TABLE bench_seq (n INT NOT NULL PRIMARY KEY) ENGINE=InnoDB');
    await c.query('CREATE TABLE bench_digits (d INT NOT NULL PRIMARY KEY)');
    await c.query('INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
    await c.query(
      `INSERT INTO bench_seq (n) SELECT 1 + a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d + 100000*f.d + 1000000*g.d
       FROM bench_digits a, bench_digits b, bench_digits c, bench_digits d, bench_digits e, bench_digits f, bench_digits g
       WHERE a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d + 100000*f.d + 1000000*g.d < ?`,
      [max],
    );
    const base = new Date(Date.now() - 60_000);
    const progress = (what, done, total) =>
      log(`  ${what}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${Math.round((Date.now() - started) / 1000)} s)`);

    for (let from = 1; from <= users; from += step) {
      const to = Math.min(users, from + step - 1);
      await c.query(
        // 1 % admins, 2 % disabled, a third with a second factor (the flag only: the admin pages read it).
        `INSERT INTO users (id, email, passwordHash, displayName, role, createdAt, updatedAt, disabled, twoFactorEnabled, lastSignInAt)
         SELECT ${FILLER_USER('n')}, CONCAT('filler', n, '@filler.example'), ?, CONCAT('Filler ', n), IF(n % 100 = 0, 'ADMIN', 'AGENT'),
                DATE_SUB(?, INTERVAL n SECOND), DATE_SUB(?, INTERVAL n SECOND), n % 50 = 0, n % 3 = 0, DATE_SUB(?, INTERVAL n MINUTE)
         FROM bench_seq WHERE n BETWEEN ? AND ?`,
        [passwordHash, base, base, base, from, to],
      );
      progress('users', to, users);
    }
    const future = new Date(Date.now() + 6 * 3600_000);
    for (let from = 1; from <= sessions; from += step) {
      const to = Math.min(sessions, from + step - 1);
      await c.query(
        `INSERT INTO sessions (id, tokenHash, userId, stage, createdAt, expiresAt, absoluteExpiresAt, revokedAt, ip, userAgent)
         SELECT CONCAT('f1000000-0000-4000-8000-', LPAD(n, 12, '0')), SHA2(CONCAT('filler-session-', n), 256),
                ${FILLER_USER(`1 + (n - 1) % ${users}`)}, 'AUTHENTICATED', DATE_SUB(?, INTERVAL n SECOND),
                IF(n % 4 = 0, ?, DATE_SUB(?, INTERVAL n SECOND)), IF(n % 4 = 0, ?, DATE_SUB(?, INTERVAL n SECOND)),
                IF(n % 10 = 1, DATE_SUB(?, INTERVAL n SECOND), NULL),
                CONCAT('10.', n % 256, '.', (n DIV 256) % 256, '.1'), 'Mozilla/5.0 (bench filler)'
         FROM bench_seq WHERE n BETWEEN ? AND ?`,
        [base, future, base, future, base, base, from, to],
      );
      progress('sessions', to, sessions);
    }
    const perRound = Math.ceil(events / 5);
    let written = 0;
    for (let round = 0; round < 5 && written < events; round++) {
      for (let from = 1; from <= perRound && written < events; from += step * 2) {
        const to = Math.min(perRound, from + step * 2 - 1, from + (events - written) - 1);
        await c.query(
          `INSERT INTO security_events (type, userId, actorId, ip, userAgent, details, createdAt)
           SELECT ELT(1 + (n + ?) % 4, 'SIGN_IN_SUCCEEDED', 'SIGN_IN_FAILED', 'TWO_FACTOR_FAILED', 'SIGNED_OUT'),
                  ${FILLER_USER(`1 + (n * 7 + ?) % ${users}`)}, NULL, CONCAT('10.0.', n % 256, '.1'), 'Mozilla/5.0 (bench filler)', NULL,
                  DATE_SUB(?, INTERVAL (n * 5 + ?) SECOND)
           FROM bench_seq WHERE n BETWEEN ? AND ?`,
          [round, round, base, round, from, to],
        );
        written += to - from + 1;
        progress('security events', written, events);
      }
    }
    await c.query('DROP TABLE bench_seq');
    await c.query('DROP TABLE bench_digits');
    for (const table of ['users', 'sessions', 'security_events']) await c.query(`ANALYZE TABLE \`${table}\``);
  } finally {
    await c.end();
  }
  return Math.round((Date.now() - started) / 1000);
}
