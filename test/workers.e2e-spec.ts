import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { waitUntil } from './support/wait';

const ADMIN = { email: 'cluster-admin@example.com', password: 'cluster-admin-password-1' };

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

interface Cluster {
  child: ChildProcess;
  url: string;
  metricsUrl: string;
  output: string[];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** JSON log lines written so far. */
  lines(): Array<Record<string, any>>;
}

/** `node src/main.ts` (as `npm start` runs dist/src/main.js) with WORKERS, in production mode. */
async function startCluster(database: TestDatabase | { url: string }, env: Record<string, string> = {}): Promise<Cluster> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['-r', join(__dirname, 'support/register-ts.cjs'), join(__dirname, '../src/main.ts')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      APP_SECRET: TEST_APP_SECRET,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      RATE_LIMITS: 'off',
      WORKERS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = () =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  return { child, url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, output, exited, lines };
}

/** The pids of the workers that said they are listening. */
const listeningWorkers = (cluster: Cluster) => new Set(cluster.lines().filter((l) => /^Listening on/.test(l.msg)).map((l) => l.pid as number));

const gql = async (cluster: Cluster, query: string, variables: Record<string, unknown> = {}, token?: string) => {
  const response = await fetch(`${cluster.url}/graphql`, {
    method: 'POST',
    // A new connection each time: the primary hands connections to the workers in turn.
    headers: { 'content-type': 'application/json', connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
};

/** The sum of a metric's samples in the exposition text, over the samples whose line matches `filter`. */
function sumOf(exposition: string, name: string, filter = ''): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(filter))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('WORKERS: several server processes on one port (node:cluster)', () => {
  let database: TestDatabase;
  let cluster: Cluster;

  beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startCluster(database);
    await waitUntil('two workers listening', () => listeningWorkers(cluster).size === 2, 60_000);
  }, 90_000);
  afterAll(async () => {
    if (cluster?.child.exitCode === null) {
      cluster.child.kill('SIGKILL');
      await cluster.exited;
    }
    await database?.drop();
  });

  it('serves from both workers, which share sessions through the database: a revoked token fails on every one', async () => {
    const signIn = await gql(cluster, `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken } }`, { input: ADMIN });
    expect(signIn.data?.signIn.stage).toBe('AUTHENTICATED');
    const token = signIn.data!.signIn.sessionToken as string;

    const before = cluster.lines().length;
    const answers = await Promise.all(Array.from({ length: 12 }, () => gql(cluster, `{ me { email } }`, {}, token)));
    expect(answers.every((a) => a.data?.me.email === ADMIN.email)).toBe(true);
    const served = () => cluster.lines().slice(before).filter((l) => l.context === 'HTTP' && l.fields?.includes('me'));
    await waitUntil('the request log lines', () => served().length >= 12);
    const servedBy = new Set(served().map((l) => l.pid));
    expect(servedBy).toEqual(listeningWorkers(cluster));

    expect((await gql(cluster, `mutation { signOut }`, {}, token)).data?.signOut).toBe(true);
    const after = await Promise.all(Array.from({ length: 12 }, () => gql(cluster, `{ me { email } }`, {}, token)));
    expect(after.map((a) => a.errors?.[0]?.extensions?.code)).toEqual(Array(12).fill('UNAUTHENTICATED'));
  });

  it('serves METRICS_PORT from the primary: every worker’s counts, summed', async () => {
    const read = async () => (await fetch(cluster.metricsUrl)).text();
    const countOf = (text: string) => sumOf(text, 'twofold_graphql_operation_duration_seconds_count', 'operation="currentSession"');
    const before = countOf(await read());
    await Promise.all(Array.from({ length: 10 }, () => gql(cluster, `{ currentSession { stage } }`)));
    const text = await read();
    expect(countOf(text) - before).toBe(10);
    // The outbox is shared: its depth is the max of the workers' readings, not their sum.
    expect(text).toMatch(/^twofold_mail_queue_depth 0$/m);
    expect((await fetch(cluster.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const [victim] = [...listeningWorkers(cluster)];
    process.kill(victim, 'SIGKILL');
    await waitUntil('a replacement worker', () => listeningWorkers(cluster).size === 3, 60_000);
    const answers = await Promise.all(Array.from({ length: 6 }, () => gql(cluster, `{ __typename }`)));
    expect(answers.every((a) => a.data?.__typename === 'Query')).toBe(true);
    expect(cluster.lines().some((l) => l.context === 'Cluster' && /exited \(signal SIGKILL\): starting another/.test(l.msg))).toBe(true);
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    cluster.child.kill('SIGTERM');
    const [code] = await cluster.exited;
    expect(code).toBe(0);
    const stopped = cluster.lines().filter((l) => l.context === 'Cluster' && /^Worker \d+ stopped/.test(l.msg));
    expect(stopped).toHaveLength(2);
  });

  it('exits 1 at once when the workers cannot start (here: no database), instead of restarting them for ever', async () => {
    const broken = await startCluster({ url: `mysql://root@127.0.0.1:${await freePort()}/nothing` });
    const [code] = await broken.exited;
    expect(code).toBe(1);
    expect(broken.lines().some((l) => l.context === 'Cluster' && /failed to start/.test(l.msg))).toBe(true);
  }, 120_000);
});
