import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { HostAllowList } from '../common/net/hosts';
import { passwordProblem } from '../modules/users/password-rules';
import { WebAuthnConfig, webauthnConfig } from './webauthn-config';
import { developmentSecret } from './development-secret';
import { KNOWN_VARIABLES, misspeltVariables } from './known-variables';

export type { WebAuthnConfig } from './webauthn-config';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type DatabaseConfig =
  | { kind: 'mysql'; url: string; migrate: boolean; /** mariadb:// URL: TypeORM's MariaDB dialect for schema diffs. */ mariadb: boolean }
  | { kind: 'sqlite'; file: string | null };

/** A setting that is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Every setting of the server, read once from the environment at boot and
 * validated. Nothing else in the code reads `process.env`.
 */
export class AppConfig {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly appSecret: Buffer;
  readonly previousAppSecrets: Buffer[];
  readonly bootstrapAdmin: { email: string; password: string } | null;
  readonly smtpUrl: string | null;
  /** SMTP_ALLOWED_HOSTS: the only mail servers an admin may set (updateSmtpSettings); null: any. */
  readonly smtpAllowedHosts: HostAllowList | null;
  readonly mailFrom: string;
  /** Development only: print each message to the log when no SMTP server is set. */
  readonly devMailbox: boolean;
  readonly appName: string;
  readonly trustProxy: number;
  readonly logLevel: LogLevel;
  readonly rateLimits: boolean;
  /** Per client IP and per sensitive mutation (signIn, verifyTwoFactor, enrollment…), per minute. */
  readonly rateLimitPerMinute: number;
  readonly redisUrl: string | null;
  readonly graphqlIde: boolean;
  readonly corsOrigins: string[];
  readonly sessionIdleMinutes: number;
  readonly sessionMaxHours: number;
  /** Mail worker poll interval; tests shorten it. */
  readonly mailPollMs: number;
  /** Security events older than this many days are deleted; 0 keeps them forever. */
  readonly auditRetentionDays: number;
  /** How often the retention job runs; 0 turns it off (e.g. when a DBA prunes instead). */
  readonly retentionIntervalMinutes: number;
  /** The mail worker and the retention timer run; false for the operator commands (src/cli), which do one thing and exit. Not an environment variable. */
  readonly backgroundJobs: boolean;
  /** Port of the Prometheus endpoint (GET /metrics, bound to `host`); null: no metrics server. 0 picks a free port (tests). */
  readonly metricsPort: number | null;
  /** OTLP/HTTP collector base URL (`/v1/traces` is appended); null: no tracing, nothing loaded. */
  readonly otlpEndpoint: string | null;
  /** On SIGTERM, answer readiness 503 and keep serving this long before closing (lets load balancers notice). */
  readonly shutdownDelaySeconds: number;
  /** WORKERS: server processes sharing the port (node:cluster, src/cluster); 1 runs the server in this process. */
  readonly workers: number;
  /** Passkeys' relying party; null (production without WEBAUTHN_RP_ID): PASSKEY is not available. */
  readonly webauthn: WebAuthnConfig | null;
  /** Variables that look like a misspelt known one (DATABSE_URL): logged as warnings at start. */
  readonly warnings: string[];

  constructor(values: Omit<AppConfig, never>) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  get isDevelopment(): boolean {
    return !this.production;
  }

  /** The same settings for an operator command: no background jobs. */
  withoutBackgroundJobs(): AppConfig {
    // No metrics server either: a command does one thing and exits.
    return new AppConfig({ ...this, backgroundJobs: false, metricsPort: null } as AppConfig);
  }
}

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Where development defaults live (SQLite file, generated secret). Default ./var */
  dataDir?: string;
  /** Build only the schema: no database file, no secret file. */
  schemaOnly?: boolean;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): AppConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  // A typo ("prod") must not quietly run with development defaults.
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}")`);
  }
  const production = nodeEnv === 'production';
  const dataDir = resolve(options.dataDir ?? read('DATA_DIR') ?? './var');

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const bool = (name: string, fallback: boolean, yes = 'true', no = 'false'): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === yes || raw === '1') return true;
    if (raw === no || raw === '0') return false;
    problems.push(`${name} must be ${yes} or ${no} (got "${raw}")`);
    return fallback;
  };

  // Database
  let database: DatabaseConfig;
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl) {
    if (!/^(mysql|mariadb):\/\/[^/]+\/[^/?]+/.test(databaseUrl)) {
      problems.push('DATABASE_URL must look like mysql://user:password@host:3306/database');
    }
    const mariadb = databaseUrl.startsWith('mariadb://');
    database = { kind: 'mysql', url: databaseUrl.replace(/^mariadb:/, 'mysql:'), migrate: bool('DATABASE_MIGRATE', true), mariadb };
  } else if (production) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (the embedded SQLite is for development only)');
    database = { kind: 'sqlite', file: null };
  } else {
    database = { kind: 'sqlite', file: options.schemaOnly ? null : join(dataDir, 'twofold.sqlite') };
  }

  // Secrets
  const parseSecret = (name: string, raw: string): Buffer | null => {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length < 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
      problems.push(`${name} must be at least 32 random bytes in base64 (try: openssl rand -base64 32)`);
      return null;
    }
    return bytes;
  };
  let appSecret: Buffer | null = null;
  const rawSecret = read('APP_SECRET');
  if (rawSecret) appSecret = parseSecret('APP_SECRET', rawSecret);
  else if (production) problems.push('APP_SECRET is required when NODE_ENV=production');
  else appSecret = options.schemaOnly ? randomBytes(32) : developmentSecret(dataDir);
  const previousAppSecrets = (read('APP_SECRET_PREVIOUS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseSecret('APP_SECRET_PREVIOUS', s))
    .filter((b): b is Buffer => b !== null);

  // Bootstrap admin
  const adminEmail = read('BOOTSTRAP_ADMIN_EMAIL');
  const adminPassword = env.BOOTSTRAP_ADMIN_PASSWORD;
  let bootstrapAdmin: AppConfig['bootstrapAdmin'] = null;
  if (adminEmail || adminPassword) {
    if (!adminEmail || !adminPassword) {
      problems.push('BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together');
    } else {
      // The rules every password meets (password-rules.ts), checked before anything starts.
      const problem = passwordProblem(adminPassword, 'BOOTSTRAP_ADMIN_PASSWORD', adminEmail);
      if (problem) problems.push(problem);
      else bootstrapAdmin = { email: adminEmail, password: adminPassword };
    }
  }

  // Mail
  const smtpUrl = read('SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) {
    problems.push('SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }

  let smtpAllowedHosts: HostAllowList | null = null;
  const allowedHosts = read('SMTP_ALLOWED_HOSTS');
  if (allowedHosts !== undefined) {
    const parsed = HostAllowList.parse(allowedHosts);
    for (const problem of parsed.problems) problems.push(`SMTP_ALLOWED_HOSTS entry ${problem}`);
    if (parsed.problems.length === 0 && parsed.list.empty) problems.push('SMTP_ALLOWED_HOSTS names no host (unset it to allow any)');
    smtpAllowedHosts = parsed.list;
  }

  const mailFrom = read('MAIL_FROM') ?? 'Twofold <no-reply@localhost>';
  if (!/^([^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/.test(mailFrom)) {
    problems.push(`MAIL_FROM must be an address, optionally with a name: "Twofold <no-reply@example.com>" (got "${mailFrom}")`);
  }

  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be debug, info, warn or error (got "${logLevel}")`);
  }

  const redisUrl = read('REDIS_URL') ?? null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must look like redis://host:6379');

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) problems.push(`CORS_ORIGINS entry "${origin}" must be an origin like https://app.example.com`);
  }

  const metricsPort = read('METRICS_PORT') === undefined ? null : int('METRICS_PORT', 0, 0, 65535);
  const otlpEndpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT')?.replace(/\/+$/, '') ?? null;
  if (otlpEndpoint && !/^https?:\/\/[^/\s]+/.test(otlpEndpoint)) {
    problems.push('OTEL_EXPORTER_OTLP_ENDPOINT must look like http://collector:4318');
  }

  const port = int('PORT', 3000, 0, 65535);
  const workers = workerCount(read('WORKERS'), database, problems);
  const appName = read('APP_NAME') ?? 'Twofold';
  const webauthn = webauthnConfig(
    { rpId: read('WEBAUTHN_RP_ID'), origins: read('WEBAUTHN_ORIGINS'), rpName: read('WEBAUTHN_RP_NAME') },
    { production, port, appName },
    problems,
  );

  const config = {
    production,
    port,
    host: read('HOST') ?? (production ? '0.0.0.0' : '127.0.0.1'),
    dataDir,
    database,
    appSecret: appSecret ?? Buffer.alloc(0),
    previousAppSecrets,
    bootstrapAdmin,
    smtpUrl,
    smtpAllowedHosts,
    mailFrom,
    devMailbox: !production,
    appName,
    trustProxy: int('TRUST_PROXY', 0, 0, 10),
    logLevel: logLevel as LogLevel,
    rateLimits: bool('RATE_LIMITS', true, 'on', 'off'),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 300, 1, 1_000_000),
    redisUrl,
    graphqlIde: bool('GRAPHQL_IDE', true),
    corsOrigins,
    sessionIdleMinutes: int('SESSION_IDLE_MINUTES', 120, 1, 7 * 24 * 60),
    sessionMaxHours: int('SESSION_MAX_HOURS', 12, 1, 24 * 30),
    mailPollMs: int('MAIL_POLL_MS', 1000, 10, 60_000),
    auditRetentionDays: int('AUDIT_RETENTION_DAYS', 365, 0, 36_500),
    retentionIntervalMinutes: int('RETENTION_INTERVAL_MINUTES', 60, 0, 7 * 24 * 60),
    backgroundJobs: true,
    metricsPort,
    otlpEndpoint,
    shutdownDelaySeconds: int('SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
    workers,
    webauthn,
    warnings: misspeltVariables(env),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return new AppConfig(config as AppConfig);
}

/** WORKERS: 1 (default), a number up to 64, or `auto` (one per core). Several processes need MySQL: SQLite has one writer. */
function workerCount(raw: string | undefined, database: DatabaseConfig, problems: string[]): number {
  if (raw === undefined) return 1;
  const count = raw.toLowerCase() === 'auto' ? availableParallelism() : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(count >= 1 && count <= 64)) {
    problems.push(`WORKERS must be auto or a whole number from 1 to 64 (got "${raw}")`);
    return 1;
  }
  if (count > 1 && database.kind === 'sqlite') {
    problems.push(`WORKERS=${raw} needs DATABASE_URL: the embedded SQLite serves one process (use WORKERS=1)`);
    return 1;
  }
  return count;
}

export { KNOWN_VARIABLES, misspeltVariables };
