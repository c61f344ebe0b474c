import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/app-config';
import { TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';

const ROOT = join(__dirname, '..');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('schema.gql', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'twofold-schema-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is what the code generates (npm run build writes it: commit the result)', async () => {
    // The same boot as `node dist/src/main.js --emit-schema`, writing to a scratch file instead.
    const generatedFile = join(scratch, 'generated.gql');
    const app = await createApp(loadConfig({}, { schemaOnly: true }), { schemaFile: generatedFile, logger: false });
    await app.init();
    await app.close();
    const generated = readFileSync(generatedFile, 'utf8');
    const committed = readFileSync(join(ROOT, 'schema.gql'), 'utf8');
    expect(generated.length).toBeGreaterThan(1000);
    expect(committed, 'schema.gql is stale: run `npm run build` and commit schema.gql').toBe(generated);
  });

  describe('in production', () => {
    let database: TestDatabase;
    afterAll(async () => database?.drop());

    it('the server writes no schema file (a read-only root filesystem works)', async () => {
      database = await createTestDatabase();
      const workDir = mkdtempSync(join(scratch, 'cwd-'));
      const port = await freePort();
      // The real entry point, from source, in an empty working directory.
      const child = fork(join(ROOT, 'src/main.ts'), [], {
        cwd: workDir,
        execArgv: ['-r', join(__dirname, 'support/register-ts.cjs')],
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          DATABASE_URL: database.url,
          APP_SECRET: TEST_APP_SECRET,
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const output: string[] = [];
      const exited = once(child, 'exit');
      try {
        const listening = new Promise<void>((resolve, reject) => {
          const onData = (chunk: Buffer) => {
            output.push(chunk.toString());
            if (output.join('').includes('Listening on')) resolve();
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          void exited.then(([code]) => reject(new Error(`the server exited with ${code}:\n${output.join('')}`)));
        });
        await listening;
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
        expect(readdirSync(workDir)).toEqual([]);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }, 90_000);
  });
});
