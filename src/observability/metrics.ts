import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { ErrorCode } from '../common/errors/error-code';
import { TwoFactorMethod } from '../common/auth/two-factor-method';
import { AppConfig } from '../config/app-config';

/**
 * Every Prometheus metric of one application instance, in its own registry
 * (tests boot several apps in one process). Label values come from closed
 * sets only (the helpers below): never a user id, email or address.
 * Served by MetricsServer on METRICS_PORT; without it the counters still
 * count (cheaply) but nothing reads them, and the per-request and process
 * collectors are not started.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly enabled: boolean;

  readonly graphqlOperations: Histogram<'operation' | 'outcome'>;
  readonly signIns: Counter<'result' | 'via'>;
  readonly secondFactorChecks: Counter<'method' | 'result'>;
  readonly lockouts: Counter;
  readonly trustedDeviceReuses: Counter;
  readonly mailQueueDepth: Gauge;
  readonly mailQueueOldestAge: Gauge;
  readonly mailSent: Counter;
  readonly mailFailedAttempts: Counter;
  readonly mailGivenUp: Counter;
  readonly mailDropped: Counter<'reason'>;
  readonly dbPoolConnections: Gauge<'state'>;
  readonly dbPoolWaiting: Gauge;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.enabled = config.metricsPort !== null;
    const registers = [this.registry];
    this.graphqlOperations = new Histogram({
      name: 'twofold_graphql_operation_duration_seconds',
      help: 'GraphQL requests by root field (operation) and outcome (ok or the first error code), from arrival to answer.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.signIns = new Counter({
      name: 'twofold_sign_ins_total',
      help: 'Sign-ins by result (succeeded, failed, throttled) and, for successes, how the session opened (password only, second_factor, trusted_device).',
      labelNames: ['result', 'via'],
      registers,
    });
    this.secondFactorChecks = new Counter({
      name: 'twofold_second_factor_checks_total',
      help: 'Second-factor codes checked at sign-in, by method and result (succeeded, refused, expired).',
      labelNames: ['method', 'result'],
      registers,
    });
    this.lockouts = new Counter({ name: 'twofold_account_lockouts_total', help: 'Accounts locked after too many failed second-factor codes.', registers });
    this.trustedDeviceReuses = new Counter({
      name: 'twofold_trusted_device_reuses_total',
      help: 'Trusted-device tokens that came back after being replaced (TRUSTED_DEVICE_REUSED: probably copied).',
      registers,
    });
    // The outbox is shared: with WORKERS > 1 every worker reads the same figure, so the cluster reports the max, not the sum.
    this.mailQueueDepth = new Gauge({ name: 'twofold_mail_queue_depth', help: 'Messages waiting in the outbox (all instances).', aggregator: 'max', registers });
    this.mailQueueOldestAge = new Gauge({
      name: 'twofold_mail_queue_oldest_age_seconds',
      help: 'Age of the oldest message still waiting in the outbox; 0 when it is empty.',
      aggregator: 'max',
      registers,
    });
    this.mailSent = new Counter({ name: 'twofold_mail_sent_total', help: 'Messages this instance handed to the SMTP server.', registers });
    this.mailFailedAttempts = new Counter({
      name: 'twofold_mail_failed_attempts_total',
      help: 'Failed attempts to send a message (each retry counts).',
      registers,
    });
    this.mailGivenUp = new Counter({ name: 'twofold_mail_given_up_total', help: 'Messages given up after their last failed attempt.', registers });
    this.mailDropped = new Counter({
      name: 'twofold_mail_dropped_total',
      help: 'Messages dropped unsent, by reason (expired, replaced, unreadable).',
      labelNames: ['reason'],
      registers,
    });
    this.dbPoolConnections = new Gauge({
      name: 'twofold_db_pool_connections',
      help: 'Connections of this instance to MySQL, by state (in_use, idle); absent on the embedded SQLite.',
      labelNames: ['state'],
      registers,
    });
    this.dbPoolWaiting = new Gauge({ name: 'twofold_db_pool_waiting_requests', help: 'Queries waiting for a free MySQL connection.', registers });
    // Event-loop lag, heap, CPU, file descriptors… under their usual names (process_*, nodejs_*).
    if (this.enabled) collectDefaultMetrics({ register: this.registry });
  }

  private readonly refreshers: Array<() => Promise<void> | void> = [];

  /** Gauges read from elsewhere (the outbox, the pool) are refreshed by these just before each scrape. */
  beforeScrape(refresh: () => Promise<void> | void): void {
    this.refreshers.push(refresh);
  }

  /** The exposition text (Prometheus text format 0.0.4). A refresher that fails leaves its gauges empty, not the scrape. */
  async scrape(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  /** The same as JSON, for a cluster worker to send to the primary, which sums the workers' (src/cluster). */
  async scrapeJson(): Promise<Array<MetricObjectWithValues<MetricValue<string>>>> {
    await this.refresh();
    return this.registry.getMetricsAsJSON();
  }

  private async refresh(): Promise<void> {
    await Promise.all(this.refreshers.map(async (refresh) => refresh()));
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** An error code as a label value: one of the contract's, or OTHER. */
export function outcomeLabel(code: unknown): string {
  return typeof code === 'string' && ERROR_CODES.has(code) ? code : 'OTHER';
}

/** A method as a label value: a registered method name (the contract's or an integrator's, from code), or other. */
export function methodLabel(method: unknown): string {
  return typeof method === 'string' && (Object.values(TwoFactorMethod) as string[]).includes(method) ? method : 'other';
}

/** A value from `allowed`, or 'other'. */
export function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : 'other';
}
