import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import cluster from 'node:cluster';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { describeError } from '../common/errors/describe-error';
import { isClusterMessage, MetricsResponse } from '../cluster/cluster-messages';
import { AppConfig } from '../config/app-config';
import { Metrics } from './metrics';

/**
 * GET /metrics on METRICS_PORT (bound to HOST), a server of its own: nothing
 * of it is reachable on the API port, and the API's middleware (rate
 * limits, session guard, request log) never sees a scrape. Anything else
 * answers 404. Closed last at shutdown, so the final seconds are scraped.
 * In a cluster worker (WORKERS > 1) the primary serves the port and asks
 * each worker for its metrics over IPC (src/cluster/cluster-primary.ts).
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  /** http://host:port of the running server (tests ask for port 0), or null. */
  get url(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host}:${address.port}` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metricsPort === null) return;
    if (this.config.workers > 1 && cluster.isWorker) {
      process.on('message', this.answerPrimary);
      return;
    }
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.metrics.scrape().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error(`Scrape failed: ${describeError(error)}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Scrape failed\n');
        },
      );
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort!, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on ${this.url}/metrics`);
  }

  private readonly answerPrimary = (message: unknown): void => {
    if (!isClusterMessage(message, 'twofold:metrics-request')) return;
    const answer = (response: MetricsResponse) => process.send?.(response);
    this.metrics.scrapeJson().then(
      (metrics) => answer({ type: 'twofold:metrics-response', id: message.id, metrics }),
      (error: unknown) => answer({ type: 'twofold:metrics-response', id: message.id, error: describeError(error) }),
    );
  };

  async onApplicationShutdown(): Promise<void> {
    process.off('message', this.answerPrimary);
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
