import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, errorCode, GraphQLResponse, SIGN_IN, startTestApp, TestApp } from './support/app';

/** A fresh client address per case: the counts live for a minute (and in Redis, across runs). */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
/** A new unknown email each time, so the per-account password throttle never answers instead. */
const nobody = () => `nobody-${randomInt(1e9)}@example.com`;
const wrongSignIn = (t: TestApp, ip?: string) =>
  t.gql(SIGN_IN, { input: { email: nobody(), password: 'wrong-password' } }, { headers: ip ? { 'x-forwarded-for': ip } : {} });

function expectRateLimited(response: GraphQLResponse) {
  expect(errorCode(response)).toBe('RATE_LIMITED');
  const retry = response.errors![0].extensions!.retryAfterSeconds;
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
}

describe('rate limits per client on sensitive operations', () => {
  let t: TestApp;
  let noProxy: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' } });
    noProxy = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '0' }, database: t.database });
  });
  afterAll(async () => {
    await noProxy?.close();
    await t?.close();
  });

  it('refuses the call past the limit with RATE_LIMITED and retryAfterSeconds; other clients go on', async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++) expect(errorCode(await wrongSignIn(t, ip))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(t, ip));
    expect(errorCode(await wrongSignIn(t, randomIp()))).toBe('INVALID_CREDENTIALS');
  });

  it('counts each alias of a mutation as one call', async () => {
    const ip = randomIp();
    const aliased = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: signIn(input: { email: "${ADMIN_EMAIL}", password: "${ADMIN_PASSWORD}" }) { stage }`).join(' ')} }`;
    const three = await t.gql(aliased(3), {}, { headers: { 'x-forwarded-for': ip } });
    expect(three.errors).toBeUndefined();
    expect(Object.keys(three.data)).toEqual(['a0', 'a1', 'a2']);
    expectRateLimited(await t.gql(aliased(1), {}, { headers: { 'x-forwarded-for': ip } }));
    // Mutation fields run one after another: the fourth alias is refused, whatever came before it.
    const other = randomIp();
    const five = await t.gql(aliased(5), {}, { headers: { 'x-forwarded-for': other } });
    expect(five.errors!.map((e) => [e.path![0], e.extensions!.code])).toEqual([['a3', 'RATE_LIMITED']]);
  });

  it('leaves other operations alone', async () => {
    const ip = randomIp();
    for (let i = 0; i < 4; i++) await wrongSignIn(t, ip);
    for (let i = 0; i < 5; i++) {
      const response = await t.gql('{ __typename }', {}, { headers: { 'x-forwarded-for': ip } });
      expect(response.errors).toBeUndefined();
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy sets it', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(errorCode(await wrongSignIn(noProxy, randomIp())));
    expect(results).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
  });
});

describe('rate limits shared through Redis (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1', REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('two instances count one client together', async () => {
    const ip = randomIp();
    expect(errorCode(await wrongSignIn(a, ip))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await wrongSignIn(b, ip))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await wrongSignIn(a, ip))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(b, ip));
    expectRateLimited(await wrongSignIn(a, ip));
    expect(errorCode(await wrongSignIn(b, randomIp()))).toBe('INVALID_CREDENTIALS');
  });
});
