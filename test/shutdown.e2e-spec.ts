import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { waitUntil } from './support/wait';

/** Starts the server from source as a separate process (NODE_ENV=production) and resolves its port. */
async function startServer(database: TestDatabase, output: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = fork(join(__dirname, 'support/child-server.ts'), [], {
    execArgv: ['-r', join(__dirname, 'support/register-ts.cjs')],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      APP_SECRET: TEST_APP_SECRET,
      LOG_LEVEL: 'info',
      MAIL_POLL_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`server exited with ${code} before listening:\n${output.join('')}`);
    }),
  ])) as [{ port: number }];
  return { child, url: `http://127.0.0.1:${message.port}`, port: message.port };
}

/** Whether a new TCP connection to the port is refused (rather than accepted). */
const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

const query = (url: string, body: string) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('graceful shutdown on SIGTERM', () => {
  let database: TestDatabase;
  const output: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('finishes the requests in flight, refuses new connections, and exits 0', async () => {
    const { child, url, port } = await startServer(database, output);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    expect((await fetch(`${url}/health`)).status).toBe(200);
    const held = once(child, 'message');
    const inFlight = query(url, JSON.stringify({ query: '{ held }' }));
    let answered = false;
    void inFlight.then(() => (answered = true));
    expect((await held)[0]).toBe('held');
    child.kill('SIGTERM');

    // No new connection is accepted while the request in flight is still held...
    await waitUntil('the server to refuse new connections', () => refusesConnections(port));
    expect(answered).toBe(false);

    // ...and that request still gets its answer.
    child.send('release');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { held: 'done' } });

    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    const lines = output.join('').split('\n').filter((line) => line.startsWith('{'));
    const heldLine = lines.map((line) => JSON.parse(line)).find((entry) => entry.fields?.includes('held'));
    expect(heldLine).toMatchObject({ context: 'HTTP', status: 200, outcome: 'ok' });
    expect(output.join('')).not.toMatch(/ERROR|Unhandled|"level":"error"/);
  }, 60_000);

  it('lets an operation whose client went away finish with the database before the pool closes', async () => {
    const lines: string[] = [];
    const { child, url } = await startServer(database, lines);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const held = once(child, 'message');
    const abort = new AbortController();
    const request = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ heldThenDatabase }' }),
      signal: abort.signal,
    }).catch(() => 'aborted');
    expect((await held)[0]).toBe('held');
    // The client gives up: its connection closes, so the HTTP drain has nothing left to wait for.
    abort.abort();
    expect(await request).toBe('aborted');
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = once(child, 'message');
    child.send('release');
    expect((await answer)[0]).toEqual({ database: 'ok' });
    const [code] = await exited;
    expect(code).toBe(0);
    expect(lines.join('')).not.toMatch(/Pool is closed|"level":"error"/);
  }, 60_000);

  it('with SHUTDOWN_DELAY_SECONDS, answers readiness 503 at once while still serving, then exits 0', async () => {
    const lines: string[] = [];
    const { child, url } = await startServer(database, lines, { SHUTDOWN_DELAY_SECONDS: '5' });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    child.kill('SIGTERM');
    let ready: Response;
    for (let i = 0; ; i++) {
      ready = await fetch(`${url}/health/ready`, { headers: { connection: 'close' } });
      if (ready.status === 503 || i === 100) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'error', lifecycle: { status: 'down', message: 'shutting down' }, database: { status: 'up' } });
    expect((await fetch(`${url}/health`, { headers: { connection: 'close' } })).status).toBe(503);
    // Still alive and still serving the API while load balancers take it out.
    expect((await fetch(`${url}/health/live`, { headers: { connection: 'close' } })).status).toBe(200);
    const answer = await query(url, JSON.stringify({ query: '{ __typename }' }));
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });

    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lines.join('')).toMatch(/readiness is 503; still serving for 5 s/);
  }, 60_000);
});
