import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { MailOutboxEntity, MailOutboxStatus } from '../src/modules/mail/entities/mail-outbox.entity';
import { PolicyService } from '../src/modules/policy/policy.service';
import { SecurityEventType } from '../src/modules/security-events/security-event-type';
import { EventBus } from '../src/modules/events/event-bus';
import { UsersService } from '../src/modules/users/users.service';
import { Role } from '../src/common/auth/role';
import { MetricsServer } from '../src/observability/metrics.server';
import { DataSource } from 'typeorm';
import { MetricFamily, parsePrometheusText, sampleValue } from './support/prometheus';
import { errorCode, SIGN_IN, startTestApp, TestApp } from './support/app';
import { oathtoolCode } from './support/totp';

const PASSWORD = 'metrics-password-1';
const START_APP = `mutation { startAuthenticatorEnrollment { secret } }`;
const CONFIRM_APP = `mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { twoFactor { enabled } } }`;
const VERIFY = `mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage sessionToken trustedDeviceToken } }`;
const CLIENT = { ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' };

const promtool = spawnSync('promtool', ['--version']).status === 0;

/** Prometheus metrics on METRICS_PORT, after real sign-ins with a second factor. */
describe('metrics', () => {
  let t: TestApp;
  let metricsUrl: string;
  let scrapeText = '';
  let families: Map<string, MetricFamily>;
  const users: Record<string, { id: string; email: string; secret: string }> = {};

  const scrape = async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    scrapeText = await response.text();
    return parsePrometheusText(scrapeText);
  };

  /** A user with the authenticator app, enrolled through the API with oathtool's codes. */
  const appUser = async (name: string) => {
    const email = `${name}@metrics.example.com`;
    const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role: Role.AGENT });
    const token = (await t.app.get(SessionsService).open(user.id, SessionStage.AUTHENTICATED, CLIENT)).token;
    const secret: string = (await t.gql(START_APP, {}, { token })).data.startAuthenticatorEnrollment.secret;
    const confirmed = await t.gql(CONFIRM_APP, { code: oathtoolCode(secret, t.clock.now()) }, { token });
    expect(confirmed.errors).toBeUndefined();
    users[name] = { id: user.id, email, secret };
    return users[name];
  };

  const signIn = async (email: string, password = PASSWORD, trustedDeviceToken?: string) =>
    t.gql(SIGN_IN, { input: { email, password, ...(trustedDeviceToken && { trustedDeviceToken }) } }, { headers: { 'user-agent': CLIENT.userAgent } });

  const verify = (token: string, code: string, rememberDevice = false) =>
    t.gql(VERIFY, { input: { method: 'AUTHENTICATOR_APP', code, rememberDevice } }, { token, headers: { 'user-agent': CLIENT.userAgent } });

  /** A six-digit code that is not the current one. */
  const wrongCode = (secret: string) => String((Number(oathtoolCode(secret, t.clock.now())) + 1) % 1_000_000).padStart(6, '0');

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_PORT: '0' } });
    metricsUrl = t.app.get(MetricsServer).url!;

    // A two-factor sign-in with the authenticator app: a wrong code, then the right one, remembering the device.
    const alice = await appUser('alice');
    t.clock.advanceSeconds(30);
    const pending = await signIn(alice.email);
    expect(pending.data.signIn.stage).toBe('PENDING_TWO_FACTOR');
    expect(errorCode(await verify(pending.data.signIn.sessionToken, wrongCode(alice.secret)))).toBe('INVALID_CODE');
    const verified = await verify(pending.data.signIn.sessionToken, oathtoolCode(alice.secret, t.clock.now()), true);
    expect(verified.data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    // The remembered device skips the code next time.
    const again = await signIn(alice.email, PASSWORD, verified.data.verifyTwoFactor.trustedDeviceToken);
    expect(again.data.signIn.stage).toBe('AUTHENTICATED');

    // Wrong passwords, enough of them to be throttled (for an account that never signed in from here).
    const carol = await t.app.get(UsersService).create({ email: 'carol@metrics.example.com', password: PASSWORD, role: Role.AGENT });
    for (let i = 0; i < 7; i++) await signIn(carol.email, 'wrong-password-123');

    // A lockout (and its notice, which the mail worker sends through the development mailbox).
    const { updatedAt: _u, ...policy } = await t.app.get(PolicyService).get();
    await t.app.get(PolicyService).save({ ...policy, maxAttempts: 1, cooldownFromAttempt: 1 }, t.clock.now());
    const bob = await appUser('bob');
    t.clock.advanceSeconds(30);
    const bobPending = await signIn(bob.email);
    expect(errorCode(await verify(bobPending.data.signIn.sessionToken, wrongCode(bob.secret)))).toBe('ACCOUNT_LOCKED');
    const outbox = t.app.get(DataSource).getRepository(MailOutboxEntity);
    for (let i = 0; i < 400 && !(await outbox.existsBy({ userId: bob.id, status: MailOutboxStatus.SENT })); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // TRUSTED_DEVICE_REUSED, as the trusted-devices module publishes it when a replaced token comes back.
    await t.app.get(EventBus).publish({ type: SecurityEventType.TRUSTED_DEVICE_REUSED, userId: alice.id });

    families = await scrape();
  });
  afterAll(async () => t?.close());

  it('serves the exposition format on METRICS_PORT only', async () => {
    expect(new URL(metricsUrl).port).not.toBe(new URL(t.url).port);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/graphql`, { method: 'POST' })).status).toBe(404);
  });

  it('counts GraphQL operations by root field and outcome, with durations', () => {
    const histogram = families.get('twofold_graphql_operation_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_count', { operation: 'signIn', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_count', { operation: 'signIn', outcome: 'INVALID_CREDENTIALS' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_count', { operation: 'verifyTwoFactor', outcome: 'ok' })).toBe(1);
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_count', { operation: 'verifyTwoFactor', outcome: 'INVALID_CODE' })).toBe(1);
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_bucket', { operation: 'verifyTwoFactor', outcome: 'ok', le: '+Inf' })).toBe(1);
    expect(sampleValue(families, 'twofold_graphql_operation_duration_seconds_sum', { operation: 'verifyTwoFactor', outcome: 'ok' })).toBeGreaterThan(0);
  });

  it('counts sign-ins by result, second-factor checks, lockouts, throttling and trusted-device reuse', () => {
    expect(sampleValue(families, 'twofold_sign_ins_total', { result: 'succeeded', via: 'second_factor' })).toBe(1);
    expect(sampleValue(families, 'twofold_sign_ins_total', { result: 'succeeded', via: 'trusted_device' })).toBe(1);
    expect(sampleValue(families, 'twofold_sign_ins_total', { result: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'twofold_sign_ins_total', { result: 'throttled' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'twofold_second_factor_checks_total', { method: 'AUTHENTICATOR_APP', result: 'succeeded' })).toBe(1);
    expect(sampleValue(families, 'twofold_second_factor_checks_total', { method: 'AUTHENTICATOR_APP', result: 'refused' })).toBe(2);
    expect(sampleValue(families, 'twofold_account_lockouts_total')).toBe(1);
    expect(sampleValue(families, 'twofold_trusted_device_reuses_total')).toBe(1);
  });

  it('reports the mail queue, the database pool and the process', () => {
    expect(sampleValue(families, 'twofold_mail_sent_total')).toBeGreaterThanOrEqual(1);
    for (const name of ['twofold_mail_failed_attempts_total', 'twofold_mail_given_up_total', 'twofold_mail_dropped_total']) {
      expect(families.get(name)?.type).toBe('counter');
    }
    expect(families.get('twofold_mail_queue_depth')!.samples).toHaveLength(1);
    expect(sampleValue(families, 'twofold_mail_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'twofold_db_pool_connections', { state: 'idle' }) + sampleValue(families, 'twofold_db_pool_connections', { state: 'in_use' })).toBeGreaterThan(0);
    expect(families.get('twofold_db_pool_waiting_requests')!.samples).toHaveLength(1);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(families.has(name), name).toBe(true);
    }
  });

  it('labels come from closed sets: no user id, email or address', () => {
    const values = [...families.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
    expect(values.length).toBeGreaterThan(20);
    for (const value of values) {
      expect(value).not.toMatch(/@|127\.0\.0\.1/);
      for (const user of Object.values(users)) expect(value).not.toBe(user.id);
    }
    const operations = new Set(families.get('twofold_graphql_operation_duration_seconds')!.samples.map((s) => s.labels.operation));
    expect([...operations].every((name) => name === 'other' || /^[a-z][A-Za-z]+$/.test(name))).toBe(true);
  });

  it.runIf(promtool)('passes promtool check metrics (the twofold_ families: prom-client names a few default gauges *_total)', () => {
    const ours = scrapeText
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?twofold_/.test(line))
      .join('\n');
    const result = spawnSync('promtool', ['check', 'metrics'], { input: `${ours}\n`, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('an unknown root field or a document that does not parse is "other"', async () => {
    await t.gql(`{ nope }`);
    await t.gql(`{ __typename }`);
    const after = await scrape();
    expect(sampleValue(after, 'twofold_graphql_operation_duration_seconds_count', { operation: 'other', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'twofold_graphql_operation_duration_seconds_count', { operation: 'other', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });
});
