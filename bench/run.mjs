#!/usr/bin/env node
// npm run bench [-- --quick] [-- --only=1,2,4] [-- --no-scale] [-- --skip-build] [-- --keep] [-- --scrape-cost [--rounds=N]]
// Scenarios: 1 baseline, 2 currentSession, 3 verifyTwoFactor, 4 signIn, 5 signIn + verify, 6 the large database,
// 7 the admin's users page with filters (and totalCount), 8 the events page by type and date.
//
// Builds the server, starts it in production mode on a fresh MariaDB/MySQL
// database with seeded users, drives it over HTTP with autocannon and prints
// one table: requests/s, p50/p99 latency and peak RSS per scenario, with the
// ratios against the goals of the performance issue, on a small database and
// again after seeding 1,000,000 users, 1,000,000 sessions and 5,000,000
// security events. See docs/performance.md.
//
// --scrape-cost: the server runs with METRICS_PORT, as in production; after
// the small-database phase, scenario 2 (currentSession) is run in rounds
// alternately without and with a Prometheus-like scraper fetching /metrics
// once a second, and the throughput difference is printed (docs/operations.md).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_PASSWORD, mapLimit, ROOT, startSeeder } from './lib/app.mjs';
import { createBenchDatabase, seedScale } from './lib/db.mjs';
import { cpuMs, freePort, load, probe, rawArgon2, startScraper, startServer, startSmtpSink } from './lib/load.mjs';
import { printReport } from './lib/report.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-scale': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'scrape-cost': { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    workers: { type: 'string' },
  },
});

const FULL = {
  duration: 10,
  connections: 16,
  authTokens: 1_000,
  plainUsers: 1_000,
  verifyUsers: 16_000,
  flowUsers: 6_000,
  statementSamples: 100,
  scale: { users: 1_000_000, sessions: 1_000_000, events: 5_000_000 },
};
const QUICK = {
  duration: 3,
  connections: 8,
  authTokens: 200,
  plainUsers: 200,
  verifyUsers: 4_000,
  flowUsers: 1_500,
  statementSamples: 30,
  scale: { users: 20_000, sessions: 20_000, events: 100_000 },
};
const P = { ...(args.quick ? QUICK : FULL) };
if (args.duration) P.duration = Number(args.duration);
if (args.connections) P.connections = Number(args.connections);
const only = args.only ? new Set(args.only.split(',').map((s) => Number(s.trim()))) : null;
const wantsScenario = (n) => !only || only.has(n);
/** WORKERS values to compare on the small database (scenarios 1–5); the first is the one every other figure uses. */
const workerCounts = (args.workers ?? (args.quick ? '1' : '1,2')).split(',').map((s) => Number(s.trim()));
if (workerCounts[0] !== 1 || workerCounts.some((n) => !(n >= 1))) throw new Error('--workers=1,2,…: a list that starts with 1');
const scale = !args['no-scale'] && wantsScenario(6);

const started = Date.now();
const log = (message) => process.stderr.write(`[bench ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${message}\n`);

const GQL = {
  typename: JSON.stringify({ query: '{ __typename }' }),
  currentSession: JSON.stringify({ query: 'query CurrentSession { currentSession { stage expiresAt } }' }),
  signIn: (email) =>
    JSON.stringify({
      query: 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { stage sessionToken expiresAt } }',
      variables: { input: { email, password: BENCH_PASSWORD } },
    }),
  verify: (code) =>
    JSON.stringify({
      query: 'mutation Verify($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage sessionToken expiresAt } }',
      variables: { input: { method: 'AUTHENTICATOR_APP', code } },
    }),
};
/** Scenario 7: what an admin's users page asks, each filter combination in turn. */
const USERS_PAGE = `query UsersPage($role: Role, $twoFactorEnabled: Boolean, $disabled: Boolean) {
  users(role: $role, twoFactorEnabled: $twoFactorEnabled, disabled: $disabled, first: 50) {
    totalCount nextCursor items { id email displayName role disabled lockedUntil lastSignInAt createdAt }
  }
}`;
const USERS_FILTERS = [
  { role: 'AGENT', disabled: false },
  { twoFactorEnabled: false },
  { role: 'ADMIN' },
  { disabled: true, twoFactorEnabled: true },
  { role: 'AGENT', twoFactorEnabled: false, disabled: false },
];
/** Scenario 8: the audit log by type over a date window (the seeded events span about 58 days). */
const EVENTS_PAGE = `query EventsPage($types: [String!], $since: DateTime, $until: DateTime) {
  securityEvents(types: $types, since: $since, until: $until, first: 50) { nextCursor items { id type userId ip createdAt } }
}`;
const eventsFilters = (now) => [
  { types: ['SIGN_IN_FAILED'], since: new Date(now - 30 * 86_400_000).toISOString(), until: new Date(now - 86_400_000).toISOString() },
  { types: ['SIGN_IN_FAILED', 'TWO_FACTOR_FAILED'], since: new Date(now - 7 * 86_400_000).toISOString() },
  { types: ['SIGNED_OUT', 'SIGN_IN_SUCCEEDED', 'TWO_FACTOR_FAILED'], since: new Date(now - 50 * 86_400_000).toISOString(), until: new Date(now - 20 * 86_400_000).toISOString() },
];
const bearer = (token) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
/**
 * Sign-ins come from many client addresses, as in real life (the server
 * runs with TRUST_PROXY=1): one address for everything would make the
 * per-address password throttle one hot row. 1,000 addresses.
 */
const fromClient = (n, headers = { 'content-type': 'application/json' }) => ({ ...headers, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 3}.${(n & 255) || 1}` });

async function main() {
  const outDir = join(ROOT, 'var', 'bench');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  if (!args['skip-build']) {
    log('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  const db = await createBenchDatabase();
  const smtp = await startSmtpSink();
  const appSecret = randomBytes(32).toString('base64');
  const baseEnv = { NODE_ENV: 'production', APP_SECRET: appSecret, SMTP_URL: smtp.url, RATE_LIMITS: 'off', GRAPHQL_IDE: 'false', TRUST_PROXY: '1' };
  let server = null;
  let seeder = null;
  const results = { machine: machine(db.version), params: { ...P, quick: args.quick }, phases: {} };

  try {
    log(`database ${db.name} (${db.version}); seeding bench users through the app's services…`);
    seeder = await startSeeder({ ...baseEnv, DATABASE_URL: db.adminDbUrl });
    const plain = await seeder.createUsers('plain', P.plainUsers);
    let verifyUsers = [];
    let flowUsers = [];
    if (seeder.totpReady) {
      verifyUsers = await seeder.createUsers('verify', P.verifyUsers, { totp: true });
      flowUsers = await seeder.createUsers('flow', P.flowUsers, { totp: true });
    } else {
      log('the authenticator-app method is not in this build: scenarios 3 and 5 are skipped');
    }
    const tokens = await seeder.openSessions(plain.slice(0, P.authTokens));
    const [benchAdmin] = await seeder.createUsers('admin', 1, { role: 'ADMIN' });
    const [adminToken] = await seeder.openSessions([benchAdmin]);
    log(`seeded ${plain.length + verifyUsers.length + flowUsers.length} users, ${tokens.length} sessions`);

    // Metrics on, as in production (the image sets METRICS_PORT).
    const serverEnv = { ...baseEnv, DATABASE_URL: db.serverUrl, LOG_LEVEL: 'info', METRICS_PORT: String(await freePort()) };
    const serverLog = join(outDir, `server-${stamp}.log`);
    server = await startServer(serverEnv, serverLog);
    log(`server up at ${server.url} (pid ${server.pid}, log var/bench/server-${stamp}.log)`);

    const ctx = { db, server, seeder, plain, tokens, adminToken, verifyUsers, flowUsers, lastTotpUse: 0 };
    results.phases.small = await runPhase('small', ctx);
    if (args['scrape-cost']) results.scrapeCost = await scrapeCost(ctx);
    results.statements = await countStatements(ctx);

    // The same scenarios with WORKERS=n (node:cluster), then back to one process for the large database.
    // The memory goal is per process: the WORKERS runs (all processes together) are reported apart.
    let peakRssMB = 0;
    const stopServer = async (single) => {
      if (single) peakRssMB = Math.max(peakRssMB, server.rss.overallMB());
      await server.stop();
    };
    for (const [i, workers] of workerCounts.slice(1).entries()) {
      await stopServer(i === 0);
      server = ctx.server = null;
      server = ctx.server = await startServer({ ...serverEnv, WORKERS: String(workers) }, serverLog, { workers });
      log(`server up with WORKERS=${workers} (pid ${server.pid})`);
      (results.workers ??= {})[workers] = await runPhase(`small, WORKERS=${workers}`, ctx, [1, 2, 3, 4, 5]);
    }
    if (workerCounts.length > 1) {
      await stopServer(false);
      server = ctx.server = null;
      server = ctx.server = await startServer(serverEnv, serverLog);
    }

    if (scale) {
      log(`seeding scale data: ${P.scale.users.toLocaleString('en-US')} users, ${P.scale.sessions.toLocaleString('en-US')} sessions, ${P.scale.events.toLocaleString('en-US')} security events…`);
      const seconds = await seedScale(db, { ...P.scale, passwordHash: seeder.passwordHash }, log);
      results.scaleSeedSeconds = seconds;
      results.tableRows = await db.tableRows();
      results.tableBytes = await db.tableBytes();
      log(`scale data seeded in ${seconds} s; waiting for InnoDB to finish writing it back…`);
      results.scaleSettle = await db.waitForQuiet(log);
      results.phases.large = await runPhase('large', ctx);
    }
    results.peakRssMB = Math.max(peakRssMB, server.rss.overallMB());
    results.loadAverageAtEnd = Math.round(loadavg()[0] * 100) / 100;
    results.mailsReceived = smtp.received();
  } finally {
    const exit = server ? await server.stop() : null;
    if (exit) results.serverExit = exit;
    await seeder?.close().catch((error) => log(`closing the seeder: ${error.message}`));
    await smtp.close();
    if (!args.keep) await db.drop();
    else log(`kept database ${db.name}`);
  }

  const file = join(outDir, `results-${stamp}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  printReport(results);
  log(`results written to var/bench/results-${stamp}.json; total ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Every scenario once (of `scenarios`, when given), on the database as it is now. */
async function runPhase(phase, ctx, scenarios = null) {
  const { server, seeder, plain, tokens } = ctx;
  const wants = (n) => wantsScenario(n) && (!scenarios || scenarios.includes(n));
  const { duration, connections } = P;
  const out = {};
  log(`— ${phase} database —`);

  // Warm up: JIT, pools, caches.
  await load(server, { requests: [{ body: GQL.typename }], connections, duration: 2 });

  if (wants(1) || wants(2) || wants(3)) {
    log('1 { __typename } without a token');
    out.baseline = await load(server, { requests: [{ body: GQL.typename }], connections, duration });
  }

  if (wants(2)) {
    log('2 currentSession with an AUTHENTICATED token');
    let next = 0;
    out.currentSession = await load(server, {
      connections,
      duration,
      requests: [{ setupRequest: (req) => ({ ...req, headers: bearer(tokens[next++ % tokens.length]), body: GQL.currentSession }) }],
      check: (body) => body.includes('"AUTHENTICATED"'),
    });
  }

  if (wants(3) && ctx.verifyUsers.length > 0) {
    await waitForNextTotpStep(ctx);
    log(`3 verifyTwoFactor: opening ${ctx.verifyUsers.length.toLocaleString('en-US')} pending sign-ins…`);
    const pending = await seeder.openPendingSignIns(ctx.verifyUsers);
    const firstRun = pending.slice(0, Math.floor(pending.length * 0.6));
    const secondRun = pending.slice(firstRun.length);
    log(`3 verifyTwoFactor with TOTP, ${firstRun.length.toLocaleString('en-US')} distinct users, full speed`);
    out.verify = await load(server, verifyRequests(firstRun, seeder, connections));
    const rate = Math.max(1, Math.floor(out.verify.requestsPerSecond / 2));
    const amount = Math.min(secondRun.length, rate * duration);
    log(`3 verifyTwoFactor at half that rate (${rate}/s, ${amount} users)`);
    out.verifyHalfRate = { ...(await load(server, { ...verifyRequests(secondRun.slice(0, amount), seeder, connections), overallRate: rate })), rate };
    ctx.lastTotpUse = Date.now();
  }

  if (wants(4) || wants(5)) {
    log(`raw argon2id verifications (@node-rs/argon2, m=19456 t=2 p=1), ${connections} at a time`);
    const argon2 = await rawArgon2(seeder.passwordHash, BENCH_PASSWORD, connections, duration);
    out.argon2PerSecond = argon2.perSecond;
    out.argon2CpuMs = argon2.cpuMsEach;
  }

  if (wants(4)) {
    log('4 signIn, users without 2FA (with a __typename probe every 50 ms)');
    let next = 0;
    const side = probe(server.url);
    out.signIn = await load(server, {
      connections,
      duration,
      requests: [{ setupRequest: (req) => ({ ...req, headers: fromClient(next), body: GQL.signIn(plain[next++ % plain.length].email) }) }],
      check: (body) => body.includes('"AUTHENTICATED"'),
    });
    out.signIn.probe = await side.stop();
  }

  if (wants(5) && ctx.flowUsers.length > 0) {
    await waitForNextTotpStep(ctx);
    log(`5 signIn + verifyTwoFactor (TOTP), each flow a distinct user of ${ctx.flowUsers.length.toLocaleString('en-US')}`);
    let next = 0;
    const users = ctx.flowUsers;
    out.flow = await load(server, {
      connections,
      duration,
      perUnit: 1,
      requests: [
        {
          setupRequest(req, context) {
            context.user = users[next++ % users.length];
            return { ...req, headers: fromClient(next), body: GQL.signIn(context.user.email) };
          },
          onResponse(status, body, context) {
            try {
              context.token = JSON.parse(body).data?.signIn?.sessionToken ?? 'none';
            } catch {
              context.token = 'none';
            }
          },
        },
        { setupRequest: (req, context) => ({ ...req, headers: bearer(context.token), body: GQL.verify(seeder.totpCode(context.user.secret)) }) },
      ],
      // A flow counts when its verifyTwoFactor answers AUTHENTICATED.
      check: (body, index) => (index === 0 ? body.includes('"PENDING_TWO_FACTOR"') : body.includes('"AUTHENTICATED"')),
    });
    // Only the second request of each pair is a finished flow.
    out.flow.flowsPerSecond = out.flow.ok / 2 / out.flow.seconds;
    out.flow.flowsStarted = next;
    out.flow.usersNeeded = Math.ceil(out.flow.flowsPerSecond * 30);
    if (next > users.length) log(`  warning: ${next} flows for ${users.length} users: some users signed in twice within a step`);
    ctx.lastTotpUse = Date.now();
  }

  // A handful of admins at once, not a crowd: 4 connections (or fewer if asked).
  const adminConnections = Math.min(4, connections);
  if (wants(7)) {
    log(`7 admin users page with filters (50 a page, totalCount), a filter combination per request in turn, ${adminConnections} connections`);
    let next = 0;
    out.usersPage = await load(server, {
      connections: adminConnections,
      duration,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            headers: bearer(ctx.adminToken),
            body: JSON.stringify({ query: USERS_PAGE, variables: USERS_FILTERS[next++ % USERS_FILTERS.length] }),
          }),
        },
      ],
      check: (body) => body.includes('"totalCount"') && !body.includes('"errors"'),
    });
  }

  if (wants(8)) {
    log(`8 events page by type and date (50 a page), a filter per request in turn, ${adminConnections} connections`);
    let next = 0;
    const filters = eventsFilters(Date.now());
    out.eventsPage = await load(server, {
      connections: adminConnections,
      duration,
      requests: [
        {
          setupRequest: (req) => ({ ...req, headers: bearer(ctx.adminToken), body: JSON.stringify({ query: EVENTS_PAGE, variables: filters[next++ % filters.length] }) }),
        },
      ],
      check: (body) => body.includes('"items"') && !body.includes('"errors"'),
    });
  }
  return out;
}

/**
 * What a Prometheus scrape once a second costs the server: scenario 2 in
 * rounds, alternately without and with the scraper (the order flips each
 * round so that a drift of the shared machine weighs on both alike).
 */
async function scrapeCost(ctx) {
  const { server, tokens } = ctx;
  const rounds = Number(args.rounds ?? (args.quick ? 3 : 4));
  let next = 0;
  const run = () =>
    load(server, {
      connections: P.connections,
      duration: P.duration,
      requests: [{ setupRequest: (req) => ({ ...req, headers: bearer(tokens[next++ % tokens.length]), body: GQL.currentSession }) }],
      check: (body) => body.includes('"AUTHENTICATED"'),
    });
  // First, with no load: the server CPU one scrape takes (less the idle rate: the mail worker's polling).
  const idleFrom = { at: Date.now(), cpu: cpuMs(server.pid) };
  await sleep(3000);
  const idleRate = (cpuMs(server.pid) - idleFrom.cpu) / (Date.now() - idleFrom.at);
  const sampleCount = 100;
  const scrapedFrom = { at: Date.now(), cpu: cpuMs(server.pid) };
  for (let i = 0; i < sampleCount; i++) await (await fetch(server.metricsUrl)).text();
  const cpuPerScrapeMs = Math.max(0, cpuMs(server.pid) - scrapedFrom.cpu - idleRate * (Date.now() - scrapedFrom.at)) / sampleCount;
  log(`scrape cost: one scrape takes ${cpuPerScrapeMs.toFixed(2)} ms of server CPU (${sampleCount} in a row, no load)`);

  const runs = { without: [], with: [] };
  const scrapes = [];
  log(`scrape cost: currentSession, ${rounds} rounds of ${P.duration} s without and with a 1 Hz scraper of ${server.metricsUrl}`);
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? ['without', 'with'] : ['with', 'without']) {
      const scraper = mode === 'with' ? startScraper(server.metricsUrl, 1000) : null;
      const result = await run();
      if (scraper) scrapes.push(await scraper.stop());
      runs[mode].push(result);
      log(`  round ${round + 1} ${mode.padEnd(7)} ${fmtRate(result.unitsPerSecond)}/s, ${result.serverCpuMs ?? '?'} ms CPU per request`);
    }
  }
  const mean = (list, key) => list.reduce((sum, r) => sum + (r[key] ?? 0), 0) / list.length;
  const without = mean(runs.without, 'unitsPerSecond');
  const withScraper = mean(runs.with, 'unitsPerSecond');
  const cpuWithout = mean(runs.without, 'serverCpuMs');
  const cpuWith = mean(runs.with, 'serverCpuMs');
  const all = scrapes.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    scenario: 'currentSession',
    cpuPerScrapeMs,
    rounds,
    secondsEach: P.duration,
    withoutPerSecond: without,
    withPerSecond: withScraper,
    /** Negative: the scraper cost throughput. */
    changePercent: ((withScraper - without) / without) * 100,
    serverCpuMsWithout: cpuWithout,
    serverCpuMsWith: cpuWith,
    cpuChangePercent: cpuWithout ? ((cpuWith - cpuWithout) / cpuWithout) * 100 : null,
    spreadPercent: {
      without: spread(runs.without.map((r) => r.unitsPerSecond)),
      with: spread(runs.with.map((r) => r.unitsPerSecond)),
    },
    scrapes: scrapes.reduce((sum, s) => sum + s.count, 0),
    scrapeFailures: scrapes.reduce((sum, s) => sum + s.failures, 0),
    scrapeBytes: Math.round(scrapes.reduce((sum, s) => sum + s.bytes, 0) / Math.max(1, scrapes.reduce((sum, s) => sum + s.count, 0))),
    scrapeP50Ms: all[Math.floor(all.length / 2)] ?? null,
  };
}

/** (max − min) ÷ mean of a few rates, in %: how noisy the machine was. */
function spread(rates) {
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  return ((Math.max(...rates) - Math.min(...rates)) / mean) * 100;
}

const fmtRate = (n) => Math.round(n).toLocaleString('en-US');

/** TOTP users verified in the last step cannot use the same step again: wait for a new one. */
async function waitForNextTotpStep(ctx) {
  const wait = ctx.lastTotpUse + 31_000 - Date.now();
  if (ctx.lastTotpUse && wait > 0) {
    log(`  waiting ${Math.ceil(wait / 1000)} s for a new TOTP step`);
    await sleep(wait);
  }
}

function verifyRequests(pending, seeder, connections) {
  let next = 0;
  return {
    connections,
    amount: pending.length,
    requests: [
      {
        setupRequest(req) {
          const user = pending[next++ % pending.length];
          return { ...req, headers: bearer(user.token), body: GQL.verify(seeder.totpCode(user.secret)) };
        },
      },
    ],
    check: (body) => body.includes('"AUTHENTICATED"'),
  };
}

/**
 * SQL statements the server sends per operation: a few operations at a
 * time, counted from the server's own MySQL user (MariaDB userstat), less
 * the idle rate (the mail worker's polling).
 */
async function countStatements(ctx) {
  const { db, server, seeder, plain, tokens } = ctx;
  const n = P.statementSamples;
  const post = (body, headers = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/graphql`, { method: 'POST', headers, body }).then((r) => r.json());
  await sleep(1500);
  const idleStart = await db.statements();
  const idleFrom = Date.now();
  await sleep(3000);
  const idleRate = ((await db.statements()).count - idleStart.count - 1) / ((Date.now() - idleFrom) / 1000);

  const measure = async (label, count, run) => {
    const before = await db.statements();
    const from = Date.now();
    await run();
    const after = await db.statements();
    const seconds = (Date.now() - from) / 1000;
    const statements = Math.max(0, after.count - before.count - 1 - idleRate * seconds) / count;
    const busyMs = ((after.busySeconds - before.busySeconds) / count) * 1000;
    const rowsWritten = after.rowsWritten === null ? null : Math.round(((after.rowsWritten - before.rowsWritten) / count) * 10) / 10;
    log(`  ${label}: ${statements.toFixed(1)} SQL statements each, ${rowsWritten ?? '?'} rows written`);
    return { statements: Math.round(statements * 10) / 10, rowsWritten, dbBusyMs: Math.round(busyMs * 100) / 100, exact: after.exact };
  };

  log(`counting SQL statements (${n} of each, server's MySQL user)`);
  const out = { idlePerSecond: Math.round(idleRate * 10) / 10 };
  out.currentSession = await measure('currentSession', n, () =>
    mapLimit(tokens.slice(0, n), 4, (token) => post(GQL.currentSession, bearer(token))),
  );
  out.signIn = await measure('signIn (no 2FA)', n, () => mapLimit(plain.slice(0, n), 4, (u) => post(GQL.signIn(u.email))));
  if (ctx.flowUsers.length >= n) {
    await waitForNextTotpStep(ctx);
    const users = ctx.flowUsers.slice(-n);
    const pendingTokens = [];
    out.signInPending = await measure('signIn (TOTP user → PENDING_TWO_FACTOR)', n, () =>
      mapLimit(users, 4, async (u, i) => (pendingTokens[i] = (await post(GQL.signIn(u.email), fromClient(i))).data?.signIn?.sessionToken)),
    );
    out.verify = await measure('verifyTwoFactor (TOTP)', n, () =>
      mapLimit(users, 4, (u, i) => post(GQL.verify(seeder.totpCode(u.secret)), bearer(pendingTokens[i]))),
    );
    const sum = (a, b) => ({
      statements: Math.round((a.statements + b.statements) * 10) / 10,
      rowsWritten: a.rowsWritten === null ? null : Math.round((a.rowsWritten + b.rowsWritten) * 10) / 10,
      dbBusyMs: Math.round((a.dbBusyMs + b.dbBusyMs) * 100) / 100,
    });
    // Those were the users' first sign-ins (their throttle rows and attempt counters are created). The same
    // users again, as most sign-ins are: a returning user from an address seen before.
    out.firstFlow = sum(out.signInPending, out.verify);
    ctx.lastTotpUse = Date.now();
    await waitForNextTotpStep(ctx);
    out.signInPendingReturning = await measure('signIn again (returning TOTP user)', n, () =>
      mapLimit(users, 4, async (u, i) => (pendingTokens[i] = (await post(GQL.signIn(u.email), fromClient(i))).data?.signIn?.sessionToken)),
    );
    out.verifyReturning = await measure('verifyTwoFactor again (TOTP)', n, () =>
      mapLimit(users, 4, (u, i) => post(GQL.verify(seeder.totpCode(u.secret)), bearer(pendingTokens[i]))),
    );
    out.flow = sum(out.signInPendingReturning, out.verifyReturning);
    ctx.lastTotpUse = Date.now();
  }

  return out;
}

function machine(dbVersion) {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    database: dbVersion,
    date: new Date().toISOString(),
    /** Other work on the machine skews the figures: the 1-minute load average when the run began. */
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
