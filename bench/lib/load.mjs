// Load generation (autocannon), the server process and its memory.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './app.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** An SMTP server that accepts and discards every message. */
export async function startSmtpSink() {
  const { SMTPServer } = require('smtp-server');
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${port}`, received: () => received, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The built server (node dist/src/main.js) in production mode; its log goes to `logFile`. With `workers`, waits for every one. */
export async function startServer(env, logFile, { workers = 1 } = {}) {
  const port = await freePort();
  const log = createWriteStream(logFile, { flags: 'a' });
  // BENCH_NODE_ARGS go to the server's node only (e.g. "--cpu-prof --cpu-prof-dir=var/bench/profiles").
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let listening = 0;
  child.stdout.on('data', (chunk) => (listening += (String(chunk).match(/Listening on http/g) ?? []).length));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;
  const metricsUrl = env.METRICS_PORT ? `http://127.0.0.1:${env.METRICS_PORT}/metrics` : null;
  for (let i = 0; i < 600; i++) {
    if (exited) throw new Error(`the server exited (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      if (listening >= workers && (await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  const rss = new RssSampler(child.pid);
  return {
    url,
    metricsUrl,
    pid: child.pid,
    databasePid: databasePid(),
    rss,
    async stop() {
      rss.stop();
      if (exited) return exited;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return exited;
    },
  };
}

/**
 * CPU time (user + system, ms) a process and its children (the workers of
 * WORKERS > 1) have used so far, or null (not on this machine, not Linux).
 */
export function cpuMs(pid) {
  try {
    return processTree(pid).reduce((sum, p) => sum + ownCpuMs(p), 0);
  } catch {
    return null;
  }
}

function ownCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return 0; // exited meanwhile
  }
}

/** The pid and its descendants (Linux: /proc/<pid>/task/<pid>/children). */
export function processTree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    /* exited, or not Linux */
  }
  return [pid, ...children.flatMap(processTree)];
}

/** The local MySQL/MariaDB server's pid, to count its CPU time too (null when it runs elsewhere). */
export function databasePid() {
  try {
    for (const name of ['mariadbd', 'mysqld']) {
      const found = spawnSync('pgrep', ['-x', name], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      if (found) return Number(found);
    }
  } catch {
    /* no pgrep */
  }
  return null;
}

/** Samples the server's resident memory every 100 ms; peak() per measurement window. */
class RssSampler {
  constructor(pid) {
    this.pid = pid;
    this.windowPeak = 0;
    this.overallPeak = 0;
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }
  sample() {
    try {
      // With WORKERS > 1: the primary and every worker together.
      const kb = processTree(this.pid).reduce((sum, pid) => {
        try {
          return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        } catch {
          return sum;
        }
      }, 0);
      this.windowPeak = Math.max(this.windowPeak, kb);
      this.overallPeak = Math.max(this.overallPeak, kb);
    } catch {
      /* exited */
    }
  }
  reset() {
    this.sample();
    this.windowPeak = 0;
    this.sample();
  }
  peakMB() {
    this.sample();
    return Math.round(this.windowPeak / 1024);
  }
  overallMB() {
    return Math.round(this.overallPeak / 1024);
  }
  stop() {
    clearInterval(this.timer);
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * One autocannon run against POST /graphql. `requests` are autocannon
 * request objects (setupRequest/onResponse allowed); `check(body, index)`
 * says whether a GraphQL answer counts as a success (non-2xx never does).
 */
export async function load(server, { requests, connections, duration, amount, overallRate, check, perUnit = 1 }) {
  let ok = 0;
  let failed = 0;
  let firstFailure = null;
  let lastResponseAt = 0;
  const wrapped = requests.map((request, index) => ({
    method: 'POST',
    path: '/graphql',
    headers: JSON_HEADERS,
    ...request,
    onResponse(status, body, context, headers) {
      request.onResponse?.(status, body, context, headers);
      lastResponseAt = performance.now();
      const good = status === 200 && (check ? check(body, index, context) : !body.includes('"errors"'));
      if (good) ok++;
      else {
        failed++;
        firstFailure ??= `${status} ${String(body).slice(0, 300)}`;
      }
    },
  }));
  server.rss.reset();
  const dbPid = server.databasePid ?? null;
  const cpuBefore = { server: cpuMs(server.pid), db: dbPid ? cpuMs(dbPid) : null };
  const startedAt = performance.now();
  const result = await autocannon({
    url: server.url,
    connections,
    pipelining: 1,
    ...(amount ? { amount } : { duration }),
    ...(overallRate ? { overallRate } : {}),
    requests: wrapped,
    timeout: 30,
  });
  // A run of a set amount ends at autocannon's next one-second tick after the last answer: its own duration
  // would round the run up to whole seconds (9,600 answers in 15.2 s would read as 600/s, not 632/s).
  const seconds = amount && lastResponseAt > startedAt ? (lastResponseAt - startedAt) / 1000 : result.duration;
  const perOp = (before, after) => (before === null || after === null || ok === 0 ? null : Math.round(((after - before) / (ok / perUnit)) * 100) / 100);
  return {
    /** CPU milliseconds per successful operation: less sensitive to other work on the machine than the rate. */
    serverCpuMs: perOp(cpuBefore.server, cpuMs(server.pid)),
    databaseCpuMs: dbPid ? perOp(cpuBefore.db, cpuMs(dbPid)) : null,
    requestsPerSecond: result.requests.total / seconds,
    unitsPerSecond: ok / perUnit / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok,
    failed: failed + result.errors + result.timeouts,
    firstFailure,
    seconds,
    rssMB: server.rss.peakMB(),
  };
}

/** Latency of a light request sent every `intervalMs` while something else runs: shows whether the event loop stalls. */
export function probe(url, intervalMs = 50) {
  const latencies = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        await fetch(`${url}/graphql`, { method: 'POST', headers: JSON_HEADERS, body: '{"query":"{ __typename }"}' });
        latencies.push(performance.now() - started);
      } catch {
        /* counted as missing */
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      latencies.sort((a, b) => a - b);
      const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
      return { count: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? NaN };
    },
  };
}

/** A Prometheus stand-in: GET `metricsUrl` every `intervalMs`, reading the whole answer. */
export function startScraper(metricsUrl, intervalMs = 1000) {
  const latencies = [];
  let failures = 0;
  let bytes = 0;
  const scrape = async () => {
    const started = performance.now();
    try {
      const response = await fetch(metricsUrl);
      const text = await response.text();
      if (!response.ok) throw new Error(String(response.status));
      bytes += text.length;
      latencies.push(performance.now() - started);
    } catch {
      failures++;
    }
  };
  let pending = scrape();
  const timer = setInterval(() => {
    pending = scrape();
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return { count: latencies.length, failures, bytes, latencies };
    },
  };
}

/**
 * Raw argon2id verifications with the app's parameters, `concurrency` at a
 * time, for `seconds`: how many per second, and the CPU milliseconds each
 * costs (this process's CPU over the run, nearly all of it the hashing threads).
 */
export async function rawArgon2(hash, password, concurrency, seconds) {
  const { verify } = require('@node-rs/argon2');
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await verify(hash, password))) throw new Error('argon2 verify failed');
        done++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: done / ((performance.now() - started) / 1000), cpuMsEach: (cpu.user + cpu.system) / 1000 / done };
}
