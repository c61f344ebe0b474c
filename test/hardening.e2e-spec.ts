import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, errorCode, SIGN_IN, startTestApp, TestApp } from './support/app';

/**
 * A document `levels` fields deep. The schema has no type that nests that
 * deep (it has no cycles), so the inner fields do not exist: the depth
 * limit is checked on the document and answers first.
 */
function deepQuery(levels: number): string {
  let inner = '__typename';
  for (let i = 1; i < levels; i++) inner = `currentSession { ${inner} }`;
  return `{ ${inner} }`;
}

async function post(t: TestApp, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

describe('hardening: GraphQL limits, HTTP limits and headers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('serves the standard introspection query (the IDE needs it)', async () => {
    const result = await t.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true }));
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema.types.length).toBeGreaterThan(10);
  });

  it('refuses a query nested deeper than 10 levels, and a 50-level introspection crawl', async () => {
    const tooDeep = await t.gql(deepQuery(11));
    expect(errorCode(tooDeep)).toBe('BAD_USER_INPUT');
    expect(tooDeep.errors![0].message).toMatch(/too deep/);
    const crawl = await t.gql(`{ __type(name: "User") { ${'ofType { '.repeat(50)}name${' }'.repeat(50)} } }`);
    expect(errorCode(crawl)).toBe('BAD_USER_INPUT');
    expect(crawl.errors!.map((e) => e.message).join(' ')).toMatch(/too deep/);
  });

  it('caps aliases per operation (30 pass validation, 31 do not)', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect((await t.gql(aliases(30))).errors).toBeUndefined();
    const refused = await t.gql(aliases(31));
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toMatch(/too many aliases/);
  });

  it('caps the size of a document in tokens and fields', async () => {
    const huge = await t.gql(`{ ${Array.from({ length: 4000 }, () => '__typename').join(' ')} }`);
    expect(errorCode(huge)).toBe('BAD_USER_INPUT');
    expect(huge.errors![0].message).toMatch(/tokens/);
    const wide = await t.gql(`{ ${Array.from({ length: 600 }, () => '__typename').join(' ')} }`);
    expect(errorCode(wide)).toBe('BAD_USER_INPUT');
    expect(wide.errors![0].message).toMatch(/too large/);
  });

  it('refuses array batching with a clear error', async () => {
    const batch = await post(t, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(batch.status).toBe(400);
    expect(batch.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(batch.json.errors[0].message).toMatch(/batch/i);
  });

  it('refuses bodies over 100 KB with 413 and a JSON error', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(101 * 1024) } });
    const response = await post(t, big);
    expect(response.status).toBe(413);
    expect(response.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(response.json.errors[0].message).toMatch(/too large/);
    const fine = await post(t, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(90 * 1024) } }));
    expect(fine.status).toBe(200);
  });

  it('answers malformed JSON with 400 and a JSON error', async () => {
    const response = await post(t, '{"query": "{ __typename }"');
    expect(response.status).toBe(400);
    expect(response.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('keeps CSRF prevention on: simple requests are refused', async () => {
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const textPlain = await post(t, JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(400);
    const preflighted = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
  });

  it('sends security headers, with a content policy that allows only own scripts', async () => {
    const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
    // helmet's whole set, on the API's JSON answers too (they are read from helmet once and set from a list).
    const api = await post(t, JSON.stringify({ query: '{ __typename }' }));
    expect(Object.fromEntries(['content-security-policy', 'x-content-type-options'].map((name) => [name, api.headers.get(name)]))).toEqual({
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
    });
    expect({
      hsts: api.headers.get('strict-transport-security'),
      frames: api.headers.get('x-frame-options'),
      referrer: api.headers.get('referrer-policy'),
      opener: api.headers.get('cross-origin-opener-policy'),
      resource: api.headers.get('cross-origin-resource-policy'),
      agentCluster: api.headers.get('origin-agent-cluster'),
      dnsPrefetch: api.headers.get('x-dns-prefetch-control'),
      downloads: api.headers.get('x-download-options'),
      crossDomain: api.headers.get('x-permitted-cross-domain-policies'),
      xss: api.headers.get('x-xss-protection'),
    }).toEqual({
      hsts: 'max-age=31536000; includeSubDomains',
      frames: 'SAMEORIGIN',
      referrer: 'no-referrer',
      opener: 'same-origin',
      resource: 'same-site',
      agentCluster: '?1',
      dnsPrefetch: 'off',
      downloads: 'noopen',
      crossDomain: 'none',
      xss: '0',
    });
    const html = await response.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });

  it('never answers INTERNAL_SERVER_ERROR to a malformed request', async () => {
    const cases: Array<[string, Awaited<ReturnType<TestApp['gql']>>]> = [
      ['GRAPHQL_PARSE_FAILED', await t.gql('{ currentSession(')],
      // (The variable is used: an unused one would make the document itself invalid.)
      ['BAD_USER_INPUT', await t.gql('query($x: Int!) { users(first: $x) { items { id } } }', { x: 'not-a-number' })],
      ['BAD_USER_INPUT', await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL } })],
      ['BAD_USER_INPUT', await t.gql(SIGN_IN, { input: 'a string' })],
      ['GRAPHQL_VALIDATION_FAILED', await t.gql('{ __typename } { __typename }')],
    ];
    for (const [code, response] of cases) expect(errorCode(response)).toBe(code);
    const noQuery = await post(t, JSON.stringify({ variables: {} }));
    expect(noQuery.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('hardening: GRAPHQL_IDE=false, CORS_ORIGINS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_IDE: 'false', CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(async () => t?.close());

  it('refuses introspection and serves no IDE', async () => {
    const result = await t.gql('{ __schema { queryType { name } } }');
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
    expect((await fetch(`${t.url}/graphql-ide/graphiql.js`)).status).toBe(404);
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
