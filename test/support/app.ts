import 'reflect-metadata';
import { ManualClock } from '@app/clock';
import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { createTestDatabase, TestDatabase } from './database';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-1';
export const TEST_APP_SECRET = Buffer.alloc(32, 42).toString('base64');

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: INestApplication;
  url: string;
  clock: ManualClock;
  database: TestDatabase;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GraphQLResponse<T>>;
  /** Starts the same app again on the same database (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  imports?: ModuleMetadata['imports'];
  /** Share another app's database (two instances). */
  database?: TestDatabase;
  /** Run on the embedded SQLite of `npm start` in this folder instead of MariaDB. */
  embeddedDataDir?: string;
  /** Capture the JSON log lines (e.g. to search them for secrets). */
  logStream?: { write(line: string): void };
}

/** Boots the real app on a fresh MariaDB database and a free port. Nothing is mocked. */
export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const embedded = options.embeddedDataDir !== undefined;
  const database = options.database ?? (embedded ? { name: 'embedded', url: '', drop: async () => {} } : await createTestDatabase());
  const ownsDatabase = !options.database;
  const clock = options.clock ?? new ManualClock(Date.now());
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: TEST_APP_SECRET,
    ...(embedded ? { DATA_DIR: options.embeddedDataDir } : { DATABASE_URL: database.url }),
    BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'error',
    MAIL_POLL_MS: '50',
    // Tests run the retention pass themselves, on the test clock.
    RETENTION_INTERVAL_MINUTES: '0',
    ...options.env,
  });

  let app: INestApplication;
  let url = '';
  const boot = async () => {
    app = await createApp(config, { clock, schemaFile: true, imports: options.imports, logStream: options.logStream });
    // A free port, unless the test chose one (a passkey origin names it: WEBAUTHN_ORIGINS=http://localhost:PORT).
    await app.listen(options.env?.PORT ? config.port : 0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  };
  await boot();

  const testApp: TestApp = {
    get app() {
      return app;
    },
    get url() {
      return url;
    },
    clock,
    database,
    async gql(query, variables = {}, requestOptions = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...requestOptions.headers };
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: any; errors?: any };
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    async restart() {
      await app.close();
      await boot();
    },
    async close() {
      await app.close();
      if (ownsDatabase) await database.drop();
    },
  };
  return testApp;
}

/** The error code of the first error, or undefined. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

export const SIGN_IN = `mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    stage sessionToken expiresAt trustedDeviceToken trustedDeviceExpiresAt
    user { id email role }
  }
}`;

export async function signIn(app: TestApp, email: string, password: string, headers: Record<string, string> = {}) {
  const response = await app.gql(SIGN_IN, { input: { email, password } }, { headers });
  if (response.errors) throw new Error(`signIn failed: ${JSON.stringify(response.errors)}`);
  return response.data.signIn as { stage: string; sessionToken: string; expiresAt: string; user: { id: string } | null };
}

export async function adminToken(app: TestApp): Promise<string> {
  return (await signIn(app, ADMIN_EMAIL, ADMIN_PASSWORD)).sessionToken;
}

export async function createUser(app: TestApp, token: string, input: { email: string; password: string; role?: string; displayName?: string }) {
  const response = await app.gql(
    `mutation($input: CreateUserInput!) { createUser(input: $input) { id email role displayName } }`,
    { input },
    { token },
  );
  if (response.errors) throw new Error(`createUser failed: ${JSON.stringify(response.errors)}`);
  return response.data.createUser as { id: string; email: string; role: string };
}
