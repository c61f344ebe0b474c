import { distance } from 'fastest-levenshtein';

/**
 * Every environment variable the server reads. loadConfig reads no other
 * (app-config.spec.ts checks the source against this list), the
 * deployment manifests are checked against it (test/deploy.e2e-spec.ts),
 * and a variable that is almost one of these gets a warning at start.
 * The standard OTEL_* variables other than the endpoint (headers, service
 * name, sampler) are read by the OpenTelemetry SDK itself.
 */
export const KNOWN_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'DATABASE_MIGRATE',
  'APP_SECRET',
  'APP_SECRET_PREVIOUS',
  'BOOTSTRAP_ADMIN_EMAIL',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'SMTP_URL',
  'SMTP_ALLOWED_HOSTS',
  'MAIL_FROM',
  'APP_NAME',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'RATE_LIMITS',
  'RATE_LIMIT_PER_MINUTE',
  'REDIS_URL',
  'GRAPHQL_IDE',
  'CORS_ORIGINS',
  'SESSION_IDLE_MINUTES',
  'SESSION_MAX_HOURS',
  'MAIL_POLL_MS',
  'AUDIT_RETENTION_DAYS',
  'RETENTION_INTERVAL_MINUTES',
  'METRICS_PORT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'SHUTDOWN_DELAY_SECONDS',
  'WORKERS',
  'WEBAUTHN_RP_ID',
  'WEBAUTHN_ORIGINS',
  'WEBAUTHN_RP_NAME',
] as const;

/**
 * Names in the environment that are one or two edits away from a known
 * variable (DATABSE_URL, SMTP_ULR, metrics_port) and so probably meant it.
 * Short names need to be closer (HOME is not HOST).
 */
export function misspeltVariables(env: Record<string, string | undefined>): string[] {
  const known: readonly string[] = KNOWN_VARIABLES;
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.includes(name)) continue;
    const upper = name.toUpperCase();
    let best: { name: string; edits: number } | null = null;
    for (const candidate of known) {
      const edits = distance(upper, candidate);
      if (!best || edits < best.edits) best = { name: candidate, edits };
    }
    if (best && best.edits <= (best.name.length >= 8 ? 2 : 1) && upper.length >= 4) {
      warnings.push(`${name} is not a setting Twofold reads; did you mean ${best.name}?`);
    }
  }
  return warnings;
}
