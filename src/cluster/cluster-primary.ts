import cluster, { Worker } from 'node:cluster';
import { createServer, Server } from 'node:http';
import type { Logger as Pino } from 'pino';
import { AggregatorRegistry, MetricObjectWithValues, MetricValue } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { isClusterMessage, MetricsRequest } from './cluster-messages';

/** More crashes than this within CRASH_WINDOW_MS and the primary gives up (the orchestrator restarts the pod). */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
/** A worker that does not answer a scrape within this long is left out of it. */
const SCRAPE_TIMEOUT_MS = 5_000;

/**
 * WORKERS > 1: this process forks that many copies of the server, which
 * share PORT (node:cluster hands connections out in turn), and does nothing
 * else itself: no Nest, no database. Everything the workers share (sessions,
 * counters, codes) is already in the database, as between instances.
 *
 * - A worker that fails before it is listening stops the whole cluster
 *   (a bad DATABASE_URL would fail every copy); one that dies later is
 *   replaced, up to MAX_CRASHES a minute.
 * - SIGTERM/SIGINT go to every worker, which drain as one instance would;
 *   the primary exits when the last has, with 0 if all of them did.
 * - METRICS_PORT is served here: each scrape asks every worker for its
 *   registry and sums them (prom-client's AggregatorRegistry).
 */
export async function runClusterPrimary(config: AppConfig, log: Pino): Promise<void> {
  const crashes: number[] = [];
  const live = new Set<Worker>();
  const ready = new WeakSet<Worker>();
  let stopping = false;
  let exitCode = 0;
  let metricsServer: Server | null = null;

  const fork = (): Worker => {
    const worker = cluster.fork();
    live.add(worker);
    worker.on('message', (message: unknown) => {
      if (isClusterMessage(message, 'twofold:ready')) ready.add(worker);
    });
    return worker;
  };

  const stop = (code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    for (const worker of live) worker.process.kill('SIGTERM');
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      if (code !== 0) exitCode = Math.max(exitCode, 1);
      log.info({ worker: worker.id }, `Worker ${worker.id} stopped (${how})`);
    } else if (!ready.has(worker)) {
      log.error({ worker: worker.id }, `Worker ${worker.id} failed to start (${how}): stopping`);
      stop(1);
    } else {
      const now = Date.now();
      crashes.push(now);
      while (crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_CRASHES) {
        log.error({ worker: worker.id }, `Worker ${worker.id} exited (${how}), ${crashes.length} crashes in a minute: stopping`);
        stop(1);
      } else {
        log.error({ worker: worker.id }, `Worker ${worker.id} exited (${how}): starting another`);
        fork();
      }
    }
    if (stopping && live.size === 0) {
      metricsServer?.close();
      process.exit(exitCode);
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log.info(`${signal}: stopping ${live.size} workers`);
      stop(0);
    });
  }

  if (config.metricsPort !== null) metricsServer = await serveClusterMetrics(config, log);
  for (let i = 0; i < config.workers; i++) fork();
  log.info(`Started ${config.workers} workers on port ${config.port}`);
}

/** GET /metrics on METRICS_PORT: every worker's metrics, summed (gauges of shared state: the max). */
async function serveClusterMetrics(config: AppConfig, log: Pino): Promise<Server> {
  let nextId = 0;
  const scrape = async (): Promise<string> => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const answers = await Promise.all(workers.map((worker) => askForMetrics(worker, nextId++)));
    return AggregatorRegistry.aggregate(answers.filter((a) => a !== null)).metrics();
  };
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    scrape().then(
      (text) => res.writeHead(200, { 'content-type': AggregatorRegistry.PROMETHEUS_CONTENT_TYPE }).end(text),
      (error: unknown) => {
        log.error(`Scrape failed: ${error instanceof Error ? error.message : String(error)}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Scrape failed\n');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort!, config.host, () => resolve());
  });
  log.info(`Metrics of all workers on port ${config.metricsPort}`);
  return server;
}

function askForMetrics(worker: Worker, id: number): Promise<Array<MetricObjectWithValues<MetricValue<string>>> | null> {
  return new Promise((resolve) => {
    const done = (metrics: Array<MetricObjectWithValues<MetricValue<string>>> | null) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(metrics);
    };
    const onMessage = (message: unknown) => {
      if (isClusterMessage(message, 'twofold:metrics-response') && message.id === id) done(message.metrics ?? null);
    };
    const timer = setTimeout(() => done(null), SCRAPE_TIMEOUT_MS);
    worker.on('message', onMessage);
    worker.send({ type: 'twofold:metrics-request', id } satisfies MetricsRequest);
  });
}
