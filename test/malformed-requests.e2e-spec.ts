import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/common/errors/error-code';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, errorCode, SIGN_IN, startTestApp, TestApp } from './support/app';

/** Every code a client may see, INTERNAL_SERVER_ERROR excepted: a malformed request is never the server's fault. */
const CLIENT_CODES = new Set<string>(Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR));

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** One HTTP request with exactly these bytes and headers (fetch would normalise or refuse some of them). */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A small deterministic generator (mulberry32): the same cases on every run, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] };
}

const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });

const DOCUMENTS = [
  '{ __typename }',
  '{ currentSession { stage } }',
  '{ me { id email } }',
  '{ nope }',
  '{ me(x: 1) { id } }',
  '{ me }',
  '{ me { ',
  '',
  ' ',
  '{',
  '}}}}',
  'query',
  'subscription { me { id } }',
  'mutation { signIn(input: { email: 12, password: ["x"] }) { stage } }',
  'mutation { signIn(input: { email: "a@example.com", email: "b@example.com", password: "x" }) { stage } }',
  'mutation { signIn { stage } }',
  'mutation($x: Int = "a") { signIn(input: $x) { stage } }',
  'query($x: Nope) { __typename }',
  '{ __typename @skip(if: "yes") }',
  '{ __typename @include }',
  '{ ...F } fragment F on Query { ...F }',
  '{ ...Missing }',
  'query A { __typename } query A { __typename }',
  '{ __typename } { __typename }',
  `{ ${'a: __typename '.repeat(40)} }`,
  `{ ${'__typename '.repeat(3100)} }`,
  `{ ${'currentSession { '.repeat(12)}stage${' }'.repeat(12)} }`,
  `{ __schema { types { ${'fields { type { '.repeat(20)}name${' } }'.repeat(20)} } } }`,
  '{ __typename(arg: "\u0000") }',
  '"\\ud800"',
  'mutation { verifyTwoFactor(input: { method: NOPE, code: "1" }) { stage } }',
  'mutation { verifyTwoFactor(input: { method: EMAIL, code: 123456 }) { stage } }',
  SIGN_IN,
];

const VARIABLES: unknown[] = [
  undefined,
  {},
  null,
  'a string',
  '{"input":{}}',
  [],
  5,
  { input: null },
  { input: 'x' },
  { input: { email: ADMIN_EMAIL, password: 'wrong-password-1' } },
  { input: { email: 'x'.repeat(5000), password: 'y'.repeat(5000) } },
  { input: { email: ADMIN_EMAIL, password: 12 } },
  { input: nested(60) },
  { input: { __proto__: { polluted: true }, constructor: { prototype: {} } } },
  { x: Array.from({ length: 2000 }, () => 1) },
];

const OPERATION_NAMES: unknown[] = [undefined, null, 'SignIn', 'Nope', 5, {}, [], 'x'.repeat(2000)];

const EXTENSIONS: unknown[] = [
  undefined,
  {},
  null,
  'x',
  [],
  { persistedQuery: { version: 2 } },
  { persistedQuery: { version: '1', sha256Hash: 'abc' } },
  { persistedQuery: { version: 1, sha256Hash: 'not-the-hash' } },
  { persistedQuery: { version: 1, sha256Hash: { $ne: null } } },
  { persistedQuery: { version: 1 } },
  { persistedQuery: null },
  { persistedQuery: 'x' },
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/graphql',
  'application/graphql-response+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; boundary',
  '',
];

const FORWARDED_FOR = [
  '',
  '203.0.113.7',
  '1'.repeat(46),
  '2001:db8::8329%enp0s31f6',
  `2001:db8::1%${'z'.repeat(200)}`,
  'not an address',
  '203.0.113.7, 198.51.100.1',
  '[2001:db8::1]:443',
  '203.0.113.7:8080',
  'unknown',
  '300.300.300.300',
  '::ffff:999.1.1.1',
  'x'.repeat(4000),
];

const USER_AGENTS = ['', 'Mozilla/5.0', 'x'.repeat(8000), 'é'.repeat(600), '() { :; }; echo', '%s%n%x'];
const AUTHORIZATIONS = ['', 'Bearer', 'Bearer ', 'Bearer x', `Bearer ${'a'.repeat(8000)}`, 'Basic YTpi', 'bearer  two  parts', 'Bearer é'];
const COOKIES = ['', 'twofold_td=x', `twofold_td=${'a'.repeat(4000)}`, 'twofold_td=%E0%A4%A', 'twofold_td=j:{"a":1}', 'twofold_td=; twofold_td=y'];
const ACCEPTS = ['', 'application/json', 'text/html', 'text/event-stream', 'multipart/mixed', '*/*;q=0', 'application/graphql-response+json;q=x'];
const ENCODINGS = ['', 'gzip', 'deflate', 'br', 'bogus', 'gzip, gzip'];
const RAW_BODIES = ['', '{', 'null', '"a string"', '5', '[]', '[{}]', '[{"query":"{ __typename }"}]', '{"query":', '\u0000', '{"query":"{ __typename }"}x', '\ufeff{"query":"{ __typename }"}'];
const QUERY_STRINGS = [
  '',
  '?query=%7B__typename%7D',
  '?query=%7Bnope%7D',
  '?query=mutation%7BsignOut%7D',
  '?query=%7B__typename%7D&variables=x',
  '?query=%7B__typename%7D&extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A2%7D%7D',
  '?extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22abc%22%7D%7D',
  '?query=%',
  '?query[]=a&query[]=b',
  '?variables[a]=1&query=%7B__typename%7D',
  `?query=${'%7B'.repeat(2000)}`,
];

describe('malformed requests never answer INTERNAL_SERVER_ERROR nor a 5xx', () => {
  let t: TestApp;
  const logLines: string[] = [];
  const rows = (sql: string, params: unknown[] = []) => t.app.get(DataSource).query(sql, params) as Promise<Array<Record<string, unknown>>>;

  beforeAll(async () => {
    // Behind one proxy: X-Forwarded-For is believed, as far as it is an address.
    t = await startTestApp({ env: { TRUST_PROXY: '1', RATE_LIMITS: 'off' }, logStream: { write: (line) => logLines.push(line) } });
  });
  afterAll(async () => t?.close());

  it('a persisted query with an unsupported version, or a hash that is not its query\'s: BAD_USER_INPUT', async () => {
    for (const body of [
      { extensions: { persistedQuery: { version: 2 } } },
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'not-the-hash' } } },
    ]) {
      const response = await send(t.url, 'POST', '/graphql', { 'content-type': 'application/json' }, JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT' });
    }
  });

  it('a client address that is not an IP is never stored as one; a scoped IPv6 address loses its zone', async () => {
    const cases: Array<[string, string | null]> = [
      ['1'.repeat(46), null],
      ['2001:db8::8329%enp0s31f6', '2001:db8::8329'],
      [`198.51.100.1, ${'x'.repeat(60)}`, null],
      ['203.0.113.9', '203.0.113.9'],
    ];
    for (const [forwardedFor, stored] of cases) {
      const agent = `ip-test ${forwardedFor.slice(0, 20)}`;
      const signedIn = await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }, { headers: { 'x-forwarded-for': forwardedFor, 'user-agent': agent } });
      expect(signedIn.errors, forwardedFor).toBeUndefined();
      const [session] = await rows('SELECT ip FROM sessions WHERE userAgent = ? ORDER BY createdAt DESC LIMIT 1', [agent]);
      expect(session.ip, forwardedFor).toBe(stored);
      const [event] = await rows(`SELECT ip FROM security_events WHERE type = 'SIGN_IN_SUCCEEDED' AND userAgent = ? ORDER BY id DESC LIMIT 1`, [agent]);
      expect(event.ip, forwardedFor).toBe(stored);
      const failed = await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL, password: 'not-the-password' } }, { headers: { 'x-forwarded-for': forwardedFor, 'user-agent': agent } });
      expect(errorCode(failed), forwardedFor).toBe('INVALID_CREDENTIALS');
    }
  });

  it('strings at the limit of their column, or that grow when normalised, are refused by name or stored whole', async () => {
    const token = await adminToken(t);
    const create = (input: Record<string, unknown>) => t.gql(`mutation($input: CreateUserInput!) { createUser(input: $input) { id email displayName } }`, { input }, { token });
    // 254 characters that lower-case to 284 ('İ' becomes 'i' and a combining dot): the stored form is what must fit.
    const labels = ['a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60)];
    const head = `${'İ'.repeat(30)}@${labels.join('.')}.`;
    const growing = `${head}${'d'.repeat(254 - head.length - 4)}.com`;
    expect(growing).toHaveLength(254);
    expect(errorCode(await create({ email: growing, password: 'long-enough-password-1' }))).toBe('BAD_USER_INPUT');
    expect((await create({ email: growing, password: 'long-enough-password-1' })).errors![0].extensions!.field).toBe('email');
    // Exactly at the limits: stored as given.
    const longest = `${'e'.repeat(64)}@${labels.join('.')}.${'f'.repeat(254 - 64 - 1 - 183 - 4)}.com`;
    expect(longest).toHaveLength(254);
    const created = await create({ email: longest, password: 'long-enough-password-1', displayName: 'ü'.repeat(100) });
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser).toMatchObject({ email: longest, displayName: 'ü'.repeat(100) });
    // A user agent of any length (header bytes arrive as Latin-1 characters) is cut to its column.
    const agent = 'é'.repeat(600);
    const signedIn = await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }, { headers: { 'user-agent': agent } });
    expect(signedIn.errors).toBeUndefined();
    const [session] = await rows('SELECT userAgent FROM sessions WHERE userAgent LIKE ? LIMIT 1', ['ééé%']);
    expect(session.userAgent).toBe('é'.repeat(512));
  });

  it('hundreds of malformed requests of every kind: a contract code every time, no 5xx, nothing logged as an error', async () => {
    const token = await adminToken(t);
    const rng = random(20261206);
    const problems: string[] = [];
    let requests = 0;

    const check = (label: string, response: RawResponse) => {
      requests++;
      if (response.status >= 500) problems.push(`${label}: HTTP ${response.status} ${response.text.slice(0, 200)}`);
      if (!response.contentType.includes('json')) return; // the IDE's HTML page, a 404 page, an empty 204
      let body: { errors?: Array<{ extensions?: { code?: unknown } }> };
      try {
        body = JSON.parse(response.text);
      } catch {
        problems.push(`${label}: JSON content type but not JSON: ${response.text.slice(0, 200)}`);
        return;
      }
      for (const error of body.errors ?? []) {
        const code = String(error.extensions?.code ?? 'none');
        if (!CLIENT_CODES.has(code)) problems.push(`${label}: ${code} ${JSON.stringify(error).slice(0, 300)}`);
      }
    };

    const headersFor = (withToken: boolean): Record<string, string> => {
      const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
      const forwardedFor = rng.pick(FORWARDED_FOR);
      if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
      const agent = rng.pick(USER_AGENTS);
      if (agent) headers['user-agent'] = agent;
      const authorization = withToken && rng.next() < 0.5 ? `Bearer ${token}` : rng.pick(AUTHORIZATIONS);
      if (authorization) headers.authorization = authorization;
      const cookie = rng.pick(COOKIES);
      if (cookie) headers.cookie = cookie;
      const accept = rng.pick(ACCEPTS);
      if (accept) headers.accept = accept;
      if (rng.next() < 0.2) delete headers['apollo-require-preflight'];
      return headers;
    };

    // Well-formed JSON bodies with malformed parts.
    for (let i = 0; i < 300; i++) {
      const body: Record<string, unknown> = {};
      if (rng.next() < 0.9) body.query = rng.next() < 0.9 ? rng.pick(DOCUMENTS) : rng.pick([5, null, {}, ['{ __typename }'], true]);
      const variables = rng.pick(VARIABLES);
      if (variables !== undefined) body.variables = variables;
      const operationName = rng.pick(OPERATION_NAMES);
      if (operationName !== undefined) body.operationName = operationName;
      const extensions = rng.pick(EXTENSIONS);
      if (extensions !== undefined) body.extensions = extensions;
      const headers: Record<string, string> = { ...headersFor(true), 'content-type': rng.next() < 0.8 ? 'application/json' : rng.pick(CONTENT_TYPES) };
      if (!headers['content-type']) delete headers['content-type'];
      check(`json #${i} ${JSON.stringify(body).slice(0, 120)} ${JSON.stringify(headers).slice(0, 200)}`, await send(t.url, 'POST', '/graphql', headers, JSON.stringify(body)));
    }

    // Bodies that are not what they claim, in every content type and encoding.
    for (let i = 0; i < 120; i++) {
      const raw = rng.pick(RAW_BODIES);
      const encoding = rng.pick(ENCODINGS);
      const headers: Record<string, string> = { ...headersFor(false) };
      const contentType = rng.pick(CONTENT_TYPES);
      if (contentType) headers['content-type'] = contentType;
      if (encoding) headers['content-encoding'] = encoding;
      // A gzip header that matches the bytes half of the time, garbage otherwise.
      const bytes = encoding === 'gzip' && rng.next() < 0.5 ? gzipSync(raw) : Buffer.from(raw, 'utf8');
      check(`raw #${i} ${JSON.stringify(raw).slice(0, 60)} ${JSON.stringify(headers).slice(0, 200)}`, await send(t.url, 'POST', '/graphql', headers, bytes));
    }

    // Headers that end up in columns (client address, user agent), on the operations that store them:
    // a sign-in (session, event), a failed one (event), a signed-in request with a garbage cookie.
    for (let i = 0; i < 60; i++) {
      const password = rng.pick([ADMIN_PASSWORD, 'wrong-password-1']);
      const headers: Record<string, string> = { ...headersFor(false), 'content-type': 'application/json' };
      delete headers.authorization;
      const body = JSON.stringify({ query: SIGN_IN, variables: { input: { email: ADMIN_EMAIL, password } } });
      check(`signIn #${i} ${JSON.stringify(headers).slice(0, 200)}`, await send(t.url, 'POST', '/graphql', headers, body));
    }

    // Other methods, and GET with every kind of query string.
    for (let i = 0; i < 80; i++) {
      const method = rng.pick(['GET', 'GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
      const search = rng.pick(QUERY_STRINGS);
      check(`${method} #${i} ${search.slice(0, 80)}`, await send(t.url, method, `/graphql${search}`, headersFor(true)));
    }

    expect(problems).toEqual([]);
    expect(requests).toBe(560);
    // Nothing reached the "this is a bug" branch of the error formatter (it logs at error level).
    const errors = logLines.filter((line) => /"level":(50|60)/.test(line));
    expect(errors.map((line) => line.slice(0, 300))).toEqual([]);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });
});
