import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';

describe('foundation: users, sessions, guards', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: '1' } });
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  it('the bootstrap admin signs in and sees themself', async () => {
    const me = await t.gql(`{ me { id email role displayName createdAt } currentSession { stage expiresAt challenge { methods } } }`, {}, { token: admin });
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toMatchObject({ email: ADMIN_EMAIL, role: 'ADMIN' });
    expect(me.data.currentSession).toMatchObject({ stage: 'AUTHENTICATED', challenge: null });
  });

  it('an unknown email and a wrong password get the same answer', async () => {
    const wrong = await t.gql(SIGN_IN, { input: { email: ADMIN_EMAIL, password: 'not-the-password' } });
    const unknown = await t.gql(SIGN_IN, { input: { email: 'nobody@example.com', password: 'not-the-password' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(errorCode(unknown)).toBe('INVALID_CREDENTIALS');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('emails are normalised and unique', async () => {
    const agent = await createUser(t, admin, { email: '  Agent.One@Example.COM ', password: 'agent-password-1', displayName: 'Agent One' });
    expect(agent).toMatchObject({ email: 'agent.one@example.com', role: 'AGENT' });
    const again = await t.gql(`mutation { createUser(input: { email: "agent.one@example.com", password: "agent-password-1" }) { id } }`, {}, { token: admin });
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0].extensions!.field).toBe('email');
    const session = await signIn(t, 'AGENT.ONE@example.com', 'agent-password-1');
    expect(session.stage).toBe('AUTHENTICATED');
  });

  it('validation failures are BAD_USER_INPUT naming the field', async () => {
    const badEmail = await t.gql(`mutation { createUser(input: { email: "not-an-email", password: "long-enough-1" }) { id } }`, {}, { token: admin });
    expect(errorCode(badEmail)).toBe('BAD_USER_INPUT');
    expect(badEmail.errors![0].extensions!.field).toBe('email');
    const shortPassword = await t.gql(`mutation { createUser(input: { email: "x@example.com", password: "short" }) { id } }`, {}, { token: admin });
    expect(shortPassword.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const wrongType = await t.gql(`mutation { createUser(input: { email: 5, password: "x" }) { id } }`, {}, { token: admin });
    expect(errorCode(wrongType)).toBe('BAD_USER_INPUT');
    // A wrong type in the variables names the field too.
    const wrongVariable = await t.gql(SIGN_IN, { input: { email: 5, password: 'x' } });
    expect(wrongVariable.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
    const missing = await t.gql(SIGN_IN, { input: { email: 'a@example.com' } });
    expect(missing.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    // A document that does not parse, or asks for what the schema does not have, is not a bad value: Apollo's own codes.
    const parse = await t.gql(`mutation { createUser(`, {}, { token: admin });
    expect(errorCode(parse)).toBe('GRAPHQL_PARSE_FAILED');
    const unknownField = await t.gql(`{ nope }`, {}, { token: admin });
    expect(errorCode(unknownField)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('an agent is FORBIDDEN from admin operations', async () => {
    await createUser(t, admin, { email: 'agent.two@example.com', password: 'agent-password-2' });
    const agent = (await signIn(t, 'agent.two@example.com', 'agent-password-2')).sessionToken;
    const list = await t.gql(`{ users { items { id } } }`, {}, { token: agent });
    expect(errorCode(list)).toBe('FORBIDDEN');
    const create = await t.gql(`mutation { createUser(input: { email: "x@example.com", password: "long-enough-1" }) { id } }`, {}, { token: agent });
    expect(errorCode(create)).toBe('FORBIDDEN');
  });

  it('users: cursor pages and search', async () => {
    for (let i = 0; i < 3; i++) await createUser(t, admin, { email: `paged${i}@example.com`, password: 'paged-password', displayName: `Paged ${i}` });
    const first = await t.gql(`{ users(first: 2, search: "paged") { items { email } nextCursor } }`, {}, { token: admin });
    expect(first.data.users.items).toHaveLength(2);
    expect(first.data.users.nextCursor).toBeTruthy();
    const second = await t.gql(`query($after: String) { users(first: 2, search: "PAGED", after: $after) { items { email } nextCursor } }`, { after: first.data.users.nextCursor }, { token: admin });
    expect(second.data.users.items).toHaveLength(1);
    expect(second.data.users.nextCursor).toBeNull();
    const emails = [...first.data.users.items, ...second.data.users.items].map((u: { email: string }) => u.email);
    expect(new Set(emails)).toEqual(new Set(['paged0@example.com', 'paged1@example.com', 'paged2@example.com']));
    const byName = await t.gql(`{ users(search: "Paged 1") { items { email } } }`, {}, { token: admin });
    expect(byName.data.users.items).toEqual([{ email: 'paged1@example.com' }]);
    const wildcard = await t.gql(`{ users(search: "%") { items { email } } }`, {}, { token: admin });
    expect(wildcard.data.users.items).toEqual([]);
    const badCursor = await t.gql(`{ users(after: "garbage") { items { email } } }`, {}, { token: admin });
    expect(badCursor.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await t.gql(`{ users(first: 1000) { items { email } } }`, {}, { token: admin });
    expect(tooMany.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const one = await t.gql(`query($id: ID!) { user(id: $id) { email } }`, { id: 'not-a-uuid' }, { token: admin });
    expect(one.data.user).toBeNull();
  });

  it('a missing, garbage or revoked token is UNAUTHENTICATED; signOut ends the session', async () => {
    expect(errorCode(await t.gql(`{ me { id } }`))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token: 'garbage' }))).toBe('UNAUTHENTICATED');
    const token = (await signIn(t, ADMIN_EMAIL, ADMIN_PASSWORD)).sessionToken;
    expect((await t.gql(`mutation { signOut }`, {}, { token })).data.signOut).toBe(true);
    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it('sessions expire when idle and at their absolute limit', async () => {
    const current = (token: string) => t.gql(`{ currentSession { stage expiresAt } }`, {}, { token });
    const idle = (await signIn(t, ADMIN_EMAIL, ADMIN_PASSWORD)).sessionToken;
    t.clock.advanceMinutes(100);
    expect((await current(idle)).data.currentSession.stage).toBe('AUTHENTICATED');
    t.clock.advanceMinutes(100); // idle limit slid forward from the last use
    expect((await current(idle)).data.currentSession.stage).toBe('AUTHENTICATED');
    t.clock.advanceMinutes(121);
    expect(errorCode(await current(idle))).toBe('UNAUTHENTICATED');

    // Used every 100 minutes, a session never idles out, yet ends 12 hours (SESSION_MAX_HOURS) after it opened.
    const opened = t.clock.now().getTime();
    const busy = (await signIn(t, ADMIN_EMAIL, ADMIN_PASSWORD)).sessionToken;
    const limit = opened + 12 * 3_600_000;
    while (t.clock.now().getTime() + 100 * 60_000 < limit) {
      t.clock.advanceMinutes(100);
      expect((await current(busy)).data.currentSession.stage).toBe('AUTHENTICATED');
    }
    // The last stretch before the limit: the idle expiry no longer slides past it.
    expect((await current(busy)).data.currentSession.expiresAt).toBe(new Date(limit).toISOString());
    t.clock.advanceSeconds((limit - t.clock.now().getTime()) / 1000 - 1);
    expect((await current(busy)).data.currentSession.stage).toBe('AUTHENTICATED');
    t.clock.advanceSeconds(1);
    expect(errorCode(await current(busy))).toBe('UNAUTHENTICATED');
    admin = await adminToken(t);
  });

  it('a pending session sees TWO_FACTOR_REQUIRED / ENROLLMENT_REQUIRED and expires in 10 minutes', async () => {
    const agent = await createUser(t, admin, { email: 'pending@example.com', password: 'pending-password' });
    const sessions = t.app.get(SessionsService);
    const client = { ip: '127.0.0.1', userAgent: 'test' };
    const pending2fa = await sessions.open(agent.id, SessionStage.PENDING_TWO_FACTOR, client);
    const pendingEnroll = await sessions.open(agent.id, SessionStage.PENDING_ENROLLMENT, client);
    expect(errorCode(await t.gql(`{ me { id } }`, {}, { token: pending2fa.token }))).toBe('TWO_FACTOR_REQUIRED');
    expect(errorCode(await t.gql(`{ securityEvents { items { id } } }`, {}, { token: pending2fa.token }))).toBe('TWO_FACTOR_REQUIRED');
    expect((await t.gql(`{ currentSession { stage } }`, {}, { token: pending2fa.token })).data.currentSession.stage).toBe('PENDING_TWO_FACTOR');
    expect((await t.gql(`{ me { email } }`, {}, { token: pendingEnroll.token })).data.me.email).toBe('pending@example.com');
    expect(errorCode(await t.gql(`{ securityEvents { items { id } } }`, {}, { token: pendingEnroll.token }))).toBe('ENROLLMENT_REQUIRED');
    t.clock.advanceMinutes(11);
    expect(errorCode(await t.gql(`{ currentSession { stage } }`, {}, { token: pending2fa.token }))).toBe('UNAUTHENTICATED');
    admin = await adminToken(t);
  });

  it('changePassword needs the current password and ends the other sessions', async () => {
    await createUser(t, admin, { email: 'changer@example.com', password: 'changer-password' });
    const a = (await signIn(t, 'changer@example.com', 'changer-password')).sessionToken;
    const b = (await signIn(t, 'changer@example.com', 'changer-password')).sessionToken;
    const wrong = await t.gql(`mutation { changePassword(currentPassword: "nope-nope", newPassword: "new-password-1") }`, {}, { token: a });
    expect(wrong.errors![0].extensions).toMatchObject({ code: 'INVALID_CREDENTIALS', field: 'currentPassword' });
    const weak = await t.gql(`mutation { changePassword(currentPassword: "changer-password", newPassword: "short") }`, {}, { token: a });
    expect(weak.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    const ok = await t.gql(`mutation { changePassword(currentPassword: "changer-password", newPassword: "new-password-1") }`, {}, { token: a });
    expect(ok.data.changePassword).toBe(true);
    expect((await t.gql(`{ me { email } }`, {}, { token: a })).data.me.email).toBe('changer@example.com');
    expect(errorCode(await t.gql(`{ me { email } }`, {}, { token: b }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'changer@example.com', password: 'changer-password' } }))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(t, 'changer@example.com', 'new-password-1')).stage).toBe('AUTHENTICATED');
  });

  it('re-entering the password for a sensitive change is throttled like a sign-in', async () => {
    await createUser(t, admin, { email: 'reauth@example.com', password: 'reauth-password' });
    const token = (await signIn(t, 'reauth@example.com', 'reauth-password')).sessionToken;
    const change = (current: string) =>
      t.gql(`mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "another-password-1") }`, { c: current }, { token });
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) codes.push(errorCode(await change('guess-number-' + i))!);
    // Five, then the delay: a session (perhaps a stolen one) gets no known-client allowance.
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
    expect(codes.slice(5)).toContain('RATE_LIMITED');
    t.clock.advanceSeconds(61);
    expect((await change('reauth-password')).data.changePassword).toBe(true);
    admin = await adminToken(t);
  });

  it('password guessing slows down per account without locking out the right password for long', async () => {
    await createUser(t, admin, { email: 'guessed@example.com', password: 'guessed-password' });
    const attempt = (password: string, ip: string) =>
      t.gql(SIGN_IN, { input: { email: 'guessed@example.com', password } }, { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) expect(errorCode(await attempt('wrong-password', '10.0.0.1'))).toBe('INVALID_CREDENTIALS');
    const slowed = await attempt('wrong-password', '10.0.0.1');
    expect(errorCode(slowed)).toBe('RATE_LIMITED');
    expect(slowed.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(slowed.errors![0].extensions!.retryAfterSeconds).toBeLessThanOrEqual(60);
    t.clock.advanceSeconds(61);
    expect((await signIn(t, 'guessed@example.com', 'guessed-password')).stage).toBe('AUTHENTICATED');
    expect(errorCode(await attempt('wrong-password', '10.0.0.1'))).toBe('INVALID_CREDENTIALS');
    admin = await adminToken(t);
  });

  it('parallel password guesses get no more checks than the allowance', async () => {
    await createUser(t, admin, { email: 'parallel@example.com', password: 'parallel-password' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.gql(SIGN_IN, { input: { email: 'parallel@example.com', password: 'wrong-password' } })),
    );
    const codes = answers.map(errorCode);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(5);
    expect(codes.every((c) => c === 'INVALID_CREDENTIALS' || c === 'RATE_LIMITED')).toBe(true);
    t.clock.advanceSeconds(61);
    expect((await signIn(t, 'parallel@example.com', 'parallel-password')).stage).toBe('AUTHENTICATED');
    admin = await adminToken(t);
  });

  it('a guesser who keeps the account in its delay never keeps the real user out of a known client', async () => {
    const victim = await createUser(t, admin, { email: 'kept-out@example.com', password: 'victim-password' });
    const from = (ip: string, password: string) =>
      t.gql(SIGN_IN, { input: { email: 'kept-out@example.com', password } }, { headers: { 'x-forwarded-for': ip } });
    expect((await from('192.0.2.10', 'victim-password')).data.signIn.stage).toBe('AUTHENTICATED');

    // Guesses from ever new addresses put the account in its delay...
    for (let i = 0; i < 5; i++) expect(errorCode(await from(`203.0.113.${i}`, 'wrong-password'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await from('203.0.113.99', 'wrong-password'))).toBe('RATE_LIMITED');
    expect(errorCode(await from('203.0.113.98', 'victim-password'))).toBe('RATE_LIMITED');
    // ...but the address the user signed in from before keeps a count of its own.
    expect((await from('192.0.2.10', 'victim-password')).data.signIn.stage).toBe('AUTHENTICATED');
    expect(errorCode(await from('192.0.2.10', 'wrong-password'))).toBe('INVALID_CREDENTIALS');

    const events = await t.gql(`query($id: ID) { securityEvents(userId: $id, first: 50) { items { type ip details } } }`, { id: victim.id }, { token: admin });
    const throttled = events.data.securityEvents.items.filter((e: { type: string }) => e.type === 'SIGN_IN_THROTTLED');
    expect(throttled.map((e: { ip: string }) => e.ip).sort()).toEqual(['203.0.113.98', '203.0.113.99']);
    expect(JSON.parse(throttled[0].details).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('a busy office behind one address signs in at once: no one is refused for the others', async () => {
    const people = Array.from({ length: 16 }, (_, i) => ({ email: `office${i}@example.com`, password: `office-password-${i}` }));
    for (const person of people) await createUser(t, admin, person);
    const answers = await Promise.all(
      people.map((person) => t.gql(SIGN_IN, { input: person }, { headers: { 'x-forwarded-for': '198.51.100.7' } })),
    );
    expect(answers.map((a) => a.errors?.[0]?.extensions?.code ?? a.data.signIn.stage)).toEqual(people.map(() => 'AUTHENTICATED'));
  });

  it('a session token is read from the Authorization header only; odd tokens are UNAUTHENTICATED, never a crash', async () => {
    const token = (await signIn(t, ADMIN_EMAIL, ADMIN_PASSWORD)).sessionToken;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ errors?: Array<{ extensions: { code: string } }> }>,
      );
    const query = '{ me { id } }';
    expect((await post(`/graphql?access_token=${token}`, { query })).errors![0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await post('/graphql', { query, access_token: token })).errors![0].extensions.code).toBe('UNAUTHENTICATED');
    for (const odd of [{ x: 1 }, [token], 12345]) {
      expect((await post('/graphql', { query, access_token: odd })).errors![0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect((await post('/graphql?access_token=a&access_token=b', { query })).errors![0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await post('/graphql', { query }, { authorization: `Bearer ${token}` })).errors).toBeUndefined();
    expect((await post('/graphql', { query }, { authorization: `Basic ${token}` })).errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('security events: sign-ins recorded with ip and user agent; agents see only their own', async () => {
    const agent = await createUser(t, admin, { email: 'audited@example.com', password: 'audited-password' });
    const token = (await signIn(t, 'audited@example.com', 'audited-password', { 'user-agent': 'AuditBrowser/1.0' })).sessionToken;
    const own = await t.gql(`{ securityEvents { items { type userId actorId ip userAgent createdAt } } }`, {}, { token });
    expect(own.data.securityEvents.items[0]).toMatchObject({ type: 'SIGN_IN_SUCCEEDED', userId: agent.id, userAgent: 'AuditBrowser/1.0' });
    expect(own.data.securityEvents.items.every((e: { userId: string }) => e.userId === agent.id)).toBe(true);
    const other = await t.gql(`query($id: ID) { securityEvents(userId: $id) { items { id } } }`, { id: '00000000-0000-0000-0000-000000000000' }, { token });
    expect(errorCode(other)).toBe('FORBIDDEN');
    const all = await t.gql(`{ securityEvents(first: 2) { items { id type } nextCursor } }`, {}, { token: admin });
    expect(all.data.securityEvents.items).toHaveLength(2);
    const next = await t.gql(`query($after: String) { securityEvents(first: 100, after: $after) { items { id } } }`, { after: all.data.securityEvents.nextCursor }, { token: admin });
    const firstIds = all.data.securityEvents.items.map((e: { id: string }) => Number(e.id));
    expect(Math.max(...next.data.securityEvents.items.map((e: { id: string }) => Number(e.id)))).toBeLessThan(Math.min(...firstIds));
    const filtered = await t.gql(`query($id: ID) { securityEvents(userId: $id) { items { userId } } }`, { id: agent.id }, { token: admin });
    expect(filtered.data.securityEvents.items.length).toBeGreaterThan(0);
    expect(filtered.data.securityEvents.items.every((e: { userId: string }) => e.userId === agent.id)).toBe(true);
  });

  it('GET /health reports the database', async () => {
    const response = await fetch(`${t.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: { status: 'up' } });
  });

  it('the IDE page and all its assets come from this server', async () => {
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    // data: URLs (the page's empty icon) are no request at all.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((source) => !source.startsWith('data:'));
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const source of sources) {
      expect(source.startsWith('/')).toBe(true); // no CDN
      const asset = await fetch(`${t.url}${source}`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await fetch(`${t.url}/graphql-ide/..%2Fpackage.json`)).status).toBe(404);
    const introspection = await t.gql(`{ __schema { queryType { name } } }`);
    expect(introspection.data.__schema.queryType.name).toBe('Query');
  });

  it('an unexpected failure is answered without its stack', async () => {
    const response = await t.gql(`{ me { id } }`, {}, { token: 'x'.repeat(200) });
    expect(JSON.stringify(response.errors)).not.toMatch(/at .*\.js|stack/i);
  });
});

describe('GRAPHQL_IDE=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_IDE: 'false' } });
  });
  afterAll(async () => t?.close());

  it('turns off the IDE and introspection', async () => {
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
    expect((await fetch(`${t.url}/graphql-ide/graphiql.js`)).status).toBe(404);
    const introspection = await t.gql(`{ __schema { queryType { name } } }`);
    // Introspection is something this server does not offer: a document error, not a bad value.
    expect(errorCode(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
