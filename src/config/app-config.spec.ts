import { availableParallelism } from 'node:os';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, KNOWN_VARIABLES, loadConfig, misspeltVariables } from './app-config';

const secret = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('development defaults: SQLite in the data dir, a generated and kept secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-config-'));
    const config = loadConfig({}, { dataDir: dir });
    expect(config.production).toBe(false);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database).toEqual({ kind: 'sqlite', file: join(dir, 'twofold.sqlite') });
    expect(config.appSecret).toHaveLength(32);
    expect(statSync(join(dir, 'app-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({}, { dataDir: dir }).appSecret.equals(config.appSecret)).toBe(true);
    expect(readFileSync(join(dir, 'app-secret'), 'utf8').trim()).toBe(config.appSecret.toString('base64'));
    expect(config.graphqlIde).toBe(true);
    expect(config.rateLimits).toBe(true);
    expect(config.appName).toBe('Twofold');
    expect(config.devMailbox).toBe(true);
  });

  it('production refuses development defaults and names each variable', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/DATABASE_URL is required/);
      expect((error as Error).message).toMatch(/APP_SECRET is required/);
    }
  });

  it('production with the required settings', () => {
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://u:p@db:3306/twofold', APP_SECRET: secret });
    expect(config.host).toBe('0.0.0.0');
    expect(config.devMailbox).toBe(false);
    expect(config.database).toEqual({ kind: 'mysql', url: 'mysql://u:p@db:3306/twofold', migrate: true, mariadb: false });
    const maria = loadConfig({ APP_SECRET: secret, DATABASE_URL: 'mariadb://u:p@db:3306/twofold', DATABASE_MIGRATE: 'false' });
    expect(maria.database).toEqual({ kind: 'mysql', url: 'mysql://u:p@db:3306/twofold', migrate: false, mariadb: true });
  });

  it('rejects malformed values', () => {
    expect(() => loadConfig({ APP_SECRET: 'short' })).toThrow(/APP_SECRET must be at least 32/);
    expect(() => loadConfig({ APP_SECRET: secret, PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ APP_SECRET: secret, DATABASE_URL: 'postgres://x/y' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ APP_SECRET: secret, RATE_LIMITS: 'maybe' })).toThrow(/RATE_LIMITS must be on or off/);
    expect(() => loadConfig({ APP_SECRET: secret, GRAPHQL_IDE: 'nope' })).toThrow(/GRAPHQL_IDE/);
    expect(() => loadConfig({ APP_SECRET: secret, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ APP_SECRET: secret, BOOTSTRAP_ADMIN_EMAIL: 'a@b.c' })).toThrow(/go together/);
    expect(() => loadConfig({ APP_SECRET: secret, SMTP_URL: 'http://x' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ APP_SECRET: secret, NODE_ENV: 'prod' })).toThrow(/NODE_ENV must be development, test or production/);
    expect(() => loadConfig({ APP_SECRET: secret, MAIL_FROM: 'Twofold' })).toThrow(/MAIL_FROM/);
    expect(loadConfig({ APP_SECRET: secret, MAIL_FROM: 'Help Desk <help@example.com>' }).mailFrom).toBe('Help Desk <help@example.com>');
    expect(() => loadConfig({ APP_SECRET: secret, BOOTSTRAP_ADMIN_EMAIL: 'a@b.c', BOOTSTRAP_ADMIN_PASSWORD: 'x'.repeat(257) })).toThrow(
      /8 to 256 characters/,
    );
    expect(() => loadConfig({ APP_SECRET: secret, AUDIT_RETENTION_DAYS: '-1' })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(loadConfig({ APP_SECRET: secret, RATE_LIMITS: 'off', GRAPHQL_IDE: 'false' })).toMatchObject({
      rateLimits: false,
      graphqlIde: false,
    });
  });

  it('SMTP_ALLOWED_HOSTS: host names and CIDR ranges; a malformed entry stops the start, named', () => {
    expect(loadConfig({ APP_SECRET: secret }).smtpAllowedHosts).toBeNull();
    const config = loadConfig({ APP_SECRET: secret, SMTP_ALLOWED_HOSTS: 'smtp.example.com, 10.0.0.0/8' });
    expect(config.smtpAllowedHosts?.allows('smtp.example.com')).toBe(true);
    expect(config.smtpAllowedHosts?.allows('10.20.30.40')).toBe(true);
    expect(config.smtpAllowedHosts?.allows('192.168.1.1')).toBe(false);
    expect(() => loadConfig({ APP_SECRET: secret, SMTP_ALLOWED_HOSTS: 'smtp.example.com, 10.0.0.0/40' })).toThrow(
      /SMTP_ALLOWED_HOSTS entry "10\.0\.0\.0\/40"/,
    );
    expect(() => loadConfig({ APP_SECRET: secret, SMTP_ALLOWED_HOSTS: 'smtp example com' })).toThrow(ConfigError);
    expect(() => loadConfig({ APP_SECRET: secret, SMTP_ALLOWED_HOSTS: ' , ' })).toThrow(/SMTP_ALLOWED_HOSTS names no host/);
  });

  it('BOOTSTRAP_ADMIN_PASSWORD meets the rules of every password: a common one, or the email, stops the start', () => {
    const admin = { APP_SECRET: secret, BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com' };
    expect(() => loadConfig({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: 'password1' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD is one of the most common passwords/);
    expect(() => loadConfig({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: 'admin@example.com' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD must not be the email/);
    expect(loadConfig({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: 'change-me-now' }).bootstrapAdmin).toEqual({ email: 'admin@example.com', password: 'change-me-now' });
  });

  it('operations settings: metrics port, OTLP endpoint, shutdown delay', () => {
    expect(loadConfig({ APP_SECRET: secret })).toMatchObject({ metricsPort: null, otlpEndpoint: null, shutdownDelaySeconds: 0 });
    expect(loadConfig({ APP_SECRET: secret, METRICS_PORT: '9464', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/', SHUTDOWN_DELAY_SECONDS: '5' })).toMatchObject({
      metricsPort: 9464,
      otlpEndpoint: 'http://otel:4318',
      shutdownDelaySeconds: 5,
    });
    expect(() => loadConfig({ APP_SECRET: secret, METRICS_PORT: 'x' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ APP_SECRET: secret, OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('WORKERS: 1 by default, a number, or auto (one per core); several need MySQL', () => {
    const mysql = { APP_SECRET: secret, DATABASE_URL: 'mysql://u:p@db:3306/twofold' };
    expect(loadConfig(mysql).workers).toBe(1);
    expect(loadConfig({ ...mysql, WORKERS: '4' }).workers).toBe(4);
    expect(loadConfig({ ...mysql, WORKERS: 'AUTO' }).workers).toBe(availableParallelism());
    for (const bad of ['0', '65', 'two', '-1', '1.5']) expect(() => loadConfig({ ...mysql, WORKERS: bad })).toThrow(/WORKERS must be auto or a whole number from 1 to 64/);
    expect(loadConfig({ APP_SECRET: secret, WORKERS: '1' }).workers).toBe(1);
    expect(() => loadConfig({ APP_SECRET: secret, WORKERS: '2' })).toThrow(/WORKERS=2 needs DATABASE_URL/);
  });
});

describe('misspelt variables', () => {
  it('warns about a name one or two edits from a known one, and not about the usual environment', () => {
    const warnings = loadConfig({ APP_SECRET: secret, DATABSE_URL: 'mysql://x/y', smtp_url: 'smtp://x', METRIC_PORT: '1' }).warnings;
    expect(warnings).toEqual([
      'DATABSE_URL is not a setting Twofold reads; did you mean DATABASE_URL?',
      'smtp_url is not a setting Twofold reads; did you mean SMTP_URL?',
      'METRIC_PORT is not a setting Twofold reads; did you mean METRICS_PORT?',
    ]);
    const usual = { HOME: '/root', PATH: '/bin', HOSTNAME: 'pod-1', TERM: 'xterm', PWD: '/app', NODE_VERSION: '24', KUBERNETES_PORT: 'tcp://x', USER: 'node' };
    expect(misspeltVariables({ ...usual, PORT: '3000', HOST: '0.0.0.0' })).toEqual([]);
  });

  it('KNOWN_VARIABLES lists every variable loadConfig reads', () => {
    const source = readFileSync(join(__dirname, 'app-config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/(?:read|int|bool)\('([A-Z_]+)'|env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2]));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !(KNOWN_VARIABLES as readonly string[]).includes(name))).toEqual([]);
    expect(KNOWN_VARIABLES.filter((name) => !read.has(name))).toEqual([]);
  });

  it('WebAuthn: localhost in development, nothing in production until WEBAUTHN_RP_ID, origins within the RP ID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-config-'));
    expect(loadConfig({ PORT: '3100' }, { dataDir: dir }).webauthn).toEqual({ rpId: 'localhost', origins: ['http://localhost:3100'], rpName: 'Twofold' });
    const production = { NODE_ENV: 'production', DATABASE_URL: 'mysql://u:p@db:3306/twofold', APP_SECRET: secret };
    expect(loadConfig(production).webauthn).toBeNull();
    expect(loadConfig({ ...production, WEBAUTHN_RP_ID: 'cx.example.com', APP_NAME: 'CX' }).webauthn).toEqual({
      rpId: 'cx.example.com',
      origins: ['https://cx.example.com'],
      rpName: 'CX',
    });
    const two = loadConfig({ ...production, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://a.example.com, https://example.com:8443', WEBAUTHN_RP_NAME: 'Acme' });
    expect(two.webauthn).toEqual({ rpId: 'example.com', origins: ['https://a.example.com', 'https://example.com:8443'], rpName: 'Acme' });
    for (const [name, value] of [
      ['WEBAUTHN_RP_ID', '10.0.0.1'],
      ['WEBAUTHN_RP_ID', 'https://example.com'],
      ['WEBAUTHN_ORIGINS', 'https://evil.test'],
      ['WEBAUTHN_ORIGINS', 'http://example.com'],
      ['WEBAUTHN_ORIGINS', 'https://notexample.com'],
    ]) {
      expect(() => loadConfig({ ...production, WEBAUTHN_RP_ID: 'example.com', [name]: value }), value).toThrow(new RegExp(name));
    }
  });
});
