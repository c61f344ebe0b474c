import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStage } from '../src/common/auth/session-stage';
import { ErrorCode } from '../src/common/errors/error-code';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { SignInFlow } from '../src/modules/auth/sign-in-flow';
import { UsersService } from '../src/modules/users/users.service';
import { startTestApp, TestApp } from './support/app';
import { schemaTypes, TypeInfo, TypeRef } from './support/introspection';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

const CONTRACT_CODES = new Set<string>(Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR));
const PASSWORD = 'bad-input-password-1';

/** Malformed values of every kind, whatever the field expects. */
const NASTY_STRINGS = [
  '',
  ' ',
  'x'.repeat(10_000),
  '１２３４５６', // full-width digits
  '12\u000034', // NUL inside
  '\u0000',
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '\ud800', // a lone surrogate: not valid UTF-8 for the database
  '😀'.repeat(20),
  '%s%n%x{}${}',
  '../../../../etc/passwd',
  '-1',
  '1e309',
];
const WRONG_TYPES = [12345, 1.5, true, { nested: 'object' }, ['list'], null];
const NASTY_INTS = ['12', 1.5, 2 ** 31, 2 ** 53, -1, 0, -(2 ** 31) - 1, true, '١٢', null];

describe('bad input never crashes the server', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let types: Map<string, TypeInfo>;
  let adminId: string;
  let agentId: string;
  let enrolleeId: string;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMITS: 'off' } });
    types = await schemaTypes(t);
    const users = t.app.get(UsersService);
    adminId = (await users.findByEmail('admin@example.com'))!.id;
    agentId = (await users.create({ email: 'bad-input-agent@example.com', password: PASSWORD })).id;
    enrolleeId = (await users.create({ email: 'bad-input-enrollee@example.com', password: PASSWORD })).id;
    // The agent uses an authenticator app, so its sign-ins stop at PENDING_TWO_FACTOR with a real challenge.
    const token = await tokenFor('agent', SessionStage.AUTHENTICATED);
    const started = await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token });
    const secret = started.data.startAuthenticatorEnrollment.secret as string;
    const confirmed = await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { twoFactor { enabled } } }`, {
      code: oathtoolCode(secret, t.clock.now()),
    }, { token });
    expect(confirmed.data.confirmAuthenticatorEnrollment.twoFactor.enabled).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const client = { ip: '127.0.0.1', userAgent: 'bad-input' };
  async function tokenFor(who: 'admin' | 'agent' | 'enrollee', stage: SessionStage): Promise<string> {
    const userId = who === 'admin' ? adminId : who === 'agent' ? agentId : enrolleeId;
    if (stage === SessionStage.PENDING_TWO_FACTOR) {
      const user = await t.app.get(UsersService).findById(userId);
      const payload = await t.app.get<SignInFlow>(SignInFlow).afterPassword(user!, { client, trustedDeviceToken: null });
      return payload.sessionToken;
    }
    return (await t.app.get(SessionsService).open(userId, stage, client)).token;
  }

  const named = (ref: TypeRef): TypeRef => (ref.ofType ? named(ref.ofType) : ref);
  const typeText = (ref: TypeRef): string =>
    ref.kind === 'NON_NULL' ? `${typeText(ref.ofType!)}!` : ref.kind === 'LIST' ? `[${typeText(ref.ofType!)}]` : ref.name!;

  /** A well-formed value, so that only the field under test is wrong. */
  const good = (ref: TypeRef, name: string): unknown => {
    if (ref.kind === 'NON_NULL') return good(ref.ofType!, name);
    if (ref.kind === 'LIST') return [good(ref.ofType!, name)];
    const type = types.get(ref.name!)!;
    if (type.kind === 'ENUM') return type.enumValues![0].name;
    if (type.kind === 'INPUT_OBJECT') {
      return Object.fromEntries(
        type.inputFields!.filter((f) => f.type.kind === 'NON_NULL' && f.defaultValue === null).map((f) => [f.name, good(f.type, f.name)]),
      );
    }
    switch (type.name) {
      case 'Int':
        return /port/i.test(name) ? 2525 : 1;
      case 'Boolean':
        return false;
      case 'ID':
        return randomUUID();
      default:
        if (/email|address|^to$/i.test(name)) return `bad-input-${randomUUID().slice(0, 8)}@example.com`;
        if (/password/i.test(name)) return 'long-enough-password-1';
        if (/code/i.test(name)) return '123456';
        if (/host/i.test(name)) return '127.0.0.1';
        return 'x';
    }
  };

  /** Malformed values for a value of type `ref`, each with a label. */
  const nasty = (ref: TypeRef, path: string): Array<[string, unknown]> => {
    const inner = ref.kind === 'NON_NULL' ? ref.ofType! : ref;
    if (inner.kind === 'LIST') {
      return [
        [`${path}=[[nested]]`, [[good(inner.ofType!, path)]]],
        [`${path}=[null]`, [null]],
        [`${path}=[]`, []],
        [`${path}=huge list`, Array.from({ length: 5_000 }, () => good(inner.ofType!, path))],
        ...nasty(inner.ofType!, `${path}[]`).map(([label, value]): [string, unknown] => [label, [value]]),
      ];
    }
    const type = types.get(inner.name!)!;
    if (type.kind === 'INPUT_OBJECT') {
      const whole = good(inner, path) as Record<string, unknown>;
      const cases: Array<[string, unknown]> = [
        [`${path}=string`, 'not an object'],
        [`${path}=list`, [whole]],
        [`${path}={}`, {}],
        [`${path}+unknown`, { ...whole, unknownField: 'x' }],
      ];
      for (const field of type.inputFields!) {
        for (const [label, value] of nasty(field.type, `${path}.${field.name}`)) cases.push([label, { ...whole, [field.name]: value }]);
      }
      return cases;
    }
    if (type.kind === 'ENUM') return [['NOPE', 'NOPE'], [1, 1], ['<script>', '<script>'], ['', ''], ['null', null]].map(([l, v]) => [`${path}=${l}`, v]);
    if (type.name === 'Int') return NASTY_INTS.map((v) => [`${path}=${JSON.stringify(v)}`, v]);
    if (type.name === 'Boolean') return ['true', 1, null, 'yes'].map((v) => [`${path}=${JSON.stringify(v)}`, v]);
    return [...NASTY_STRINGS, ...WRONG_TYPES].map((v) => [`${path}=${JSON.stringify(v)?.slice(0, 30)}`, v]);
  };

  async function post(query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    return { status: response.status, text };
  }

  it('answers every malformed argument of every mutation (and query) with a contract error code', async () => {
    // Every mutation, and the queries that take arguments too.
    const mutations = types.get('Mutation')!.fields!.filter((f) => f.args.length > 0);
    expect(mutations.length).toBeGreaterThan(10);
    const queries = types.get('Query')!.fields!.filter((f) => f.args.length > 0);
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let requests = 0;

    for (const [kind, field] of [...mutations.map((f) => ['mutation', f] as const), ...queries.map((f) => ['query', f] as const)]) {
      const returns = types.get(named(field.type).name!)!;
      const selection = returns.kind === 'OBJECT' ? ' { __typename }' : '';
      const query = `${kind} Bad(${field.args.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ')}) { ${field.name}(${field.args
        .map((a) => `${a.name}: $${a.name}`)
        .join(', ')})${selection} }`;
      const goodArgs = Object.fromEntries(field.args.map((a) => [a.name, good(a.type, a.name)]));
      const cases = field.args.flatMap((arg) => nasty(arg.type, arg.name).map(([label, value]) => [label, { ...goodArgs, [arg.name]: value }] as const));

      for (const [label, variables] of cases) {
        // One session per stage, fresh each time: some mutations end the session they run in.
        const tokens = [
          await tokenFor('admin', SessionStage.AUTHENTICATED),
          await tokenFor('agent', SessionStage.PENDING_TWO_FACTOR),
          await tokenFor('enrollee', SessionStage.PENDING_ENROLLMENT),
        ];
        for (const token of tokens) {
          requests++;
          const { status, text } = await post(query, variables as Record<string, unknown>, token);
          const where = `${field.name}(${label})`;
          if (status !== 200 && status !== 400) {
            problems.push(`${where}: HTTP ${status} ${text.slice(0, 200)}`);
            continue;
          }
          let body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
          try {
            body = JSON.parse(text);
          } catch {
            problems.push(`${where}: not JSON: ${text.slice(0, 200)}`);
            continue;
          }
          for (const error of body.errors ?? []) {
            const code = error.extensions?.code ?? 'none';
            seen.set(code, (seen.get(code) ?? 0) + 1);
            if (!CONTRACT_CODES.has(code)) problems.push(`${where}: ${code} ${JSON.stringify(error).slice(0, 300)}`);
          }
          if (!body.errors && body.data === undefined) problems.push(`${where}: neither data nor errors`);
        }
      }
      const health = await fetch(`${t.url}/health`);
      if (health.status !== 200) problems.push(`after ${field.name}: /health ${health.status}`);
    }

    expect(problems).toEqual([]);
    expect(requests).toBeGreaterThan(500);
    expect(seen.get('BAD_USER_INPUT')).toBeGreaterThan(100);
    // Over 500 requests one after another, some hashing a password: a hang guard for a busy machine, not a measure of speed.
  }, 300_000);

  it('wrong types never reach a resolver: BAD_USER_INPUT every time', async () => {
    const token = await tokenFor('agent', SessionStage.PENDING_TWO_FACTOR);
    for (const value of WRONG_TYPES) {
      const { text } = await post(`mutation($input: VerifyTwoFactorInput!) { verifyTwoFactor(input: $input) { stage } }`, { input: { method: 'AUTHENTICATOR_APP', code: value } }, token);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const literal = await t.gql(`mutation { signIn(input: { email: 12, password: ["x"] }) { stage } }`);
    expect(literal.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it("a document that does not parse, or asks for what the schema does not have, answers Apollo's own codes; values stay BAD_USER_INPUT", async () => {
    const token = await tokenFor('admin', SessionStage.AUTHENTICATED);
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['does not parse', '{ me { id ', {}, 'GRAPHQL_PARSE_FAILED'],
      ['unknown field', '{ me { id notAField } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['unknown operation', 'mutation { launchRockets }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['unknown argument', '{ me(id: "x") { id } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['unknown type', 'query($x: NoSuchType) { __typename }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['wrong variable type for the position', 'query($x: Int) { users(first: 1, search: $x) { items { id } } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['literal of the wrong type', 'mutation { createUser(input: { email: 5, password: "x" }) { id } }', {}, 'BAD_USER_INPUT'],
      ['variable of the wrong type', 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email: 5, password: 'x' } }, 'BAD_USER_INPUT'],
      ['missing required argument', 'mutation { createUser { id } }', {}, 'BAD_USER_INPUT'],
      ['value refused by validation', 'mutation { createUser(input: { email: "nope", password: "long-enough-1" }) { id } }', {}, 'BAD_USER_INPUT'],
    ];
    for (const [label, query, variables, code] of cases) {
      const response = await t.gql(query, variables, { token });
      expect(response.errors?.[0]?.extensions?.code, label).toBe(code);
    }
  });

  it('stays healthy', async () => {
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect((await t.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});
