import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { TestSmtpServer } from './support/smtp';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP collector in memory: keeps every span the server exports as JSON. */
async function startCollector(): Promise<{ server: Server; url: string; spans: OtlpSpan[]; bodies: string[] }> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/v1/traces') {
        bodies.push(body);
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

/**
 * Traces from the real start-up path (src/main.ts, as `node dist/src/main.js`
 * runs it) with OTEL_EXPORTER_OTLP_ENDPOINT set: a sign-in's HTTP, GraphQL and
 * SQL spans under one trace, and the SMTP span of a send.
 */
describe('tracing (OpenTelemetry)', () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let child: ChildProcess;
  let url: string;
  const output: string[] = [];
  const SIGN_IN_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const CALLER_SPAN = '00f067aa0ba902b7';
  const SEND_TRACE = '5cf92f3577b34da6a3ce929d0e0e4737';
  let sessionToken = '';

  const gql = (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = new TestSmtpServer();
    await smtp.start();
    collector = await startCollector();
    child = fork(join(__dirname, '../src/main.ts'), [], {
      execArgv: ['-r', join(__dirname, 'support/register-ts.cjs')],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        APP_SECRET: TEST_APP_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Twofold <no-reply@example.com>',
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const onData = () => {
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output.join(''));
        if (match) {
          child.stdout!.off('data', onData);
          resolve(match[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output.join('')}`)));
    });

    const signIn = await gql(
      'mutation SignIn($input: SignInInput!) { signIn(input: $input) { stage sessionToken } }',
      { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } },
      { traceparent: `00-${SIGN_IN_TRACE}-${CALLER_SPAN}-01` },
    );
    expect(signIn.headers.get('x-request-id')).toBe(SIGN_IN_TRACE);
    sessionToken = ((await signIn.json()) as { data: { signIn: { sessionToken: string } } }).data.signIn.sessionToken;
    const send = await gql('mutation($to: String!) { sendTestEmail(to: $to) }', { to: 'ops@example.com' }, {
      authorization: `Bearer ${sessionToken}`,
      traceparent: `00-${SEND_TRACE}-${CALLER_SPAN}-01`,
    });
    expect(await send.json()).toEqual({ data: { sendTestEmail: true } });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    // Spans are exported in batches; shutting down exports what is left.
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await new Promise((resolve) => collector?.server.close(resolve));
    await smtp?.stop();
    await database?.drop();
  });

  /** The chain of parents of `span` within its trace, nearest first. */
  const ancestors = (span: OtlpSpan): OtlpSpan[] => {
    const chain: OtlpSpan[] = [];
    let current: OtlpSpan | undefined = span;
    while (current?.parentSpanId) {
      current = collector.spans.find((s) => s.traceId === span.traceId && s.spanId === current!.parentSpanId);
      if (current) chain.push(current);
    }
    return chain;
  };

  it("a sign-in's HTTP, GraphQL and SQL spans nest under the caller's trace", () => {
    const trace = collector.spans.filter((s) => s.traceId === SIGN_IN_TRACE);
    const http = trace.find((s) => s.kind === SERVER);
    expect(http, JSON.stringify(trace.map((s) => s.name))).toBeDefined();
    expect(http!.parentSpanId).toBe(CALLER_SPAN);
    expect(attribute(http!, 'http.response.status_code') ?? attribute(http!, 'http.status_code')).toBe(200);

    const operation = trace.find((s) => s.name === 'mutation signIn')!;
    expect(operation.parentSpanId).toBe(http!.spanId);
    expect(attribute(operation, 'graphql.operation.name')).toBe('SignIn');

    const sql = trace.filter((s) => attribute(s, 'db.system.name') === 'mysql' || attribute(s, 'db.system') === 'mysql');
    expect(sql.length).toBeGreaterThanOrEqual(3);
    for (const span of sql) expect(ancestors(span).map((s) => s.spanId)).toContain(http!.spanId);
    // The resolver's statements are children of the operation.
    expect(sql.filter((s) => s.parentSpanId === operation.spanId).length).toBeGreaterThan(0);
  });

  it('an SMTP send is a client span under its GraphQL operation', () => {
    const trace = collector.spans.filter((s) => s.traceId === SEND_TRACE);
    const send = trace.find((s) => s.name === 'smtp send')!;
    expect(send.kind).toBe(CLIENT);
    expect(attribute(send, 'server.address')).toBe('127.0.0.1');
    expect(ancestors(send).map((s) => s.name)).toEqual(expect.arrayContaining(['mutation sendTestEmail']));
    expect(ancestors(send).at(-1)!.kind).toBe(SERVER);
  });

  it("the mail worker's polling makes no traces: every SQL span belongs to a request", () => {
    const sql = collector.spans.filter((s) => attribute(s, 'db.system.name') === 'mysql' || attribute(s, 'db.system') === 'mysql');
    expect(sql.length).toBeGreaterThan(0);
    expect(sql.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual([]);
  });

  it('spans hold no secret: no password, token, email or SQL value; probes are not traced', () => {
    const everything = collector.bodies.join('\n');
    expect(everything).not.toContain(ADMIN_PASSWORD);
    expect(everything).not.toContain(sessionToken);
    expect(everything).not.toContain(ADMIN_EMAIL);
    expect(everything).not.toContain('ops@example.com');
    expect(collector.spans.some((s) => JSON.stringify(s).includes('/health'))).toBe(false);
  });

  it('log lines of a traced request carry its request id and trace id', () => {
    const lines = output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const request = lines.find((line) => line.context === 'HTTP' && line.requestId === SIGN_IN_TRACE);
    expect(request).toMatchObject({ operation: 'SignIn', outcome: 'ok' });
    expect(lines.some((line) => line.requestId === SIGN_IN_TRACE && line.traceId === SIGN_IN_TRACE)).toBe(true);
  });
});
