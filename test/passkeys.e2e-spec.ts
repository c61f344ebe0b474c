import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottleService } from '../src/modules/auth/login-throttle.service';
import { PasskeysService } from '../src/modules/methods/passkey/passkeys.service';
import { SecurityEventEntity } from '../src/modules/security-events/entities/security-event.entity';
import { holdAfter } from './support/barrier';
import { adminToken, createUser, errorCode, GraphQLResponse, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { SoftwareAuthenticator } from './support/software-authenticator';

/**
 * Issue 12 on MariaDB, with a software authenticator speaking the browser's
 * JSON forms to the real API: enrollment (repeatable), the second factor
 * through the attempt gate, passwordless sign-in, the lifecycle, the events
 * and their notices over real SMTP.
 */
const ORIGIN = 'http://localhost:3000'; // the development default of WEBAUTHN_ORIGINS (PORT 3000)
const CHROME = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' };
const PASSWORD = 'passkey-password-1';

const START = `mutation($p: String) { startPasskeyEnrollment(password: $p) { options expiresAt } }`;
const CONFIRM = `mutation($c: JSON!, $n: String) { confirmPasskeyEnrollment(credential: $c, name: $n) {
  backupCodes twoFactor { methods passkeys { id name passwordless lastUsedAt } } } }`;
const PENDING = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken challenge { methods attemptsRemaining passkeyOptions } } }`;
const OPTIONS = `{ currentSession { challenge { passkeyOptions attemptsRemaining } } }`;
const VERIFY = `mutation($c: JSON) { verifyTwoFactor(input: { method: PASSKEY, credential: $c }) { stage sessionToken } }`;
const START_PASSWORDLESS = `mutation { startPasskeySignIn { challengeId options expiresAt } }`;
const PASSWORDLESS = `mutation($id: ID!, $c: JSON!) { signInWithPasskey(input: { challengeId: $id, credential: $c }) { stage sessionToken user { email } } }`;
const STATUS = `{ me { twoFactor { enabled methods backupCodesRemaining passkeys { id name } } } }`;
const POLICY = `mutation($input: UpdateTwoFactorPolicyInput!) { updateTwoFactorPolicy(input: $input) { allowedMethods allowPasskeySignIn } }`;

function ok<T = any>(response: GraphQLResponse<T>): T {
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

describe('passkeys (WebAuthn) on MariaDB', () => {
  let t: TestApp;
  const smtp = new TestSmtpServer();
  let admin: string;

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, APP_NAME: 'Acme' } });
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const events = async (userId: string, type: string) =>
    t.app.get(DataSource).getRepository(SecurityEventEntity).find({ where: { userId, type }, order: { id: 'ASC' } });

  /** A new user with a signed-in session, and an authenticator of their own. */
  async function newUser(email: string) {
    const user = await createUser(t, admin, { email, password: PASSWORD });
    const token = (await signIn(t, email, PASSWORD)).sessionToken;
    return { ...user, token, device: new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' }) };
  }

  async function enroll(user: { token: string; device: SoftwareAuthenticator }, name?: string) {
    const { options } = ok(await t.gql(START, {}, { token: user.token })).startPasskeyEnrollment;
    return t.gql(CONFIRM, { c: user.device.create(options), n: name ?? null }, { token: user.token, headers: CHROME });
  }

  /** A pending sign-in with the password; its passkey options. */
  async function pendingSignIn(email: string) {
    const signedIn = ok(await t.gql(PENDING, { input: { email, password: PASSWORD } })).signIn;
    expect(signedIn.stage).toBe('PENDING_TWO_FACTOR');
    return { token: signedIn.sessionToken as string, challenge: signedIn.challenge };
  }

  it('enrolls passkeys (a second one too), names them, and mails a notice for each', async () => {
    const user = await newUser('enroll@example.com');
    const since = smtp.messages.length;
    const first = ok(await enroll(user)).confirmPasskeyEnrollment;
    expect(first.backupCodes).toHaveLength(10);
    expect(first.twoFactor.methods).toEqual(['PASSKEY']);
    expect(first.twoFactor.passkeys).toEqual([expect.objectContaining({ name: 'Passkey on Chrome', passwordless: true, lastUsedAt: null })]);

    // The second one: excludeCredentials lists the first; no new backup codes.
    const { options } = ok(await t.gql(START, {}, { token: user.token })).startPasskeyEnrollment;
    expect(options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([user.device.credentials[0].id]);
    expect(() => user.device.create(options)).toThrow(/already registered/);
    const other = new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost', aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8' });
    t.clock.advanceSeconds(1); // passkeys are listed oldest first
    const second = ok(await t.gql(CONFIRM, { c: other.create(options), n: null }, { token: user.token })).confirmPasskeyEnrollment;
    expect(second.backupCodes).toBeNull();
    expect(second.twoFactor.passkeys.map((p: { name: string }) => p.name)).toEqual(['Passkey on Chrome', 'YubiKey 5']);

    expect((await events(user.id, 'PASSKEY_ADDED')).map((e) => JSON.parse(e.details!).name)).toEqual(['Passkey on Chrome', 'YubiKey 5']);
    const added = await smtp.waitFor(user.email, { since, match: (m) => m.subject === 'Acme: a passkey was added' && m.text.includes('YubiKey 5') });
    expect(added.text).toContain('(YubiKey 5)');

    const renamed = ok(await t.gql(`mutation($id: ID!) { renamePasskey(id: $id, name: "  Work key  ") { name } }`, { id: second.twoFactor.passkeys[1].id }, { token: user.token }));
    expect(renamed.renamePasskey.name).toBe('Work key');
    const stranger = await newUser('stranger@example.com');
    expect(errorCode(await t.gql(`mutation($id: ID!) { renamePasskey(id: $id, name: "Mine") { name } }`, { id: second.twoFactor.passkeys[1].id }, { token: stranger.token }))).toBe('NOT_FOUND');
  });

  it('a registration answering nothing issued, from another origin, or replayed is refused and costs an attempt', async () => {
    const user = await newUser('refused-registration@example.com');
    const { options } = ok(await t.gql(START, {}, { token: user.token })).startPasskeyEnrollment;
    const phished = await t.gql(CONFIRM, { c: user.device.create(options, { origin: 'https://phish.example.net' }), n: null }, { token: user.token });
    expect(phished.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    // That answer consumed the challenge: the right response to it is now a replay.
    const late = await t.gql(CONFIRM, { c: new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' }).create(options), n: null }, { token: user.token });
    expect(late.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 3 });
    expect(errorCode(await t.gql(CONFIRM, { c: { id: 'x' }, n: null }, { token: user.token }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(CONFIRM, { c: { id: 'x' }, n: 'x'.repeat(65) }, { token: user.token }))).toBe('BAD_USER_INPUT');
  });

  it('second factor: each challenge answers once, a failed or replayed assertion costs an attempt, a counter going back is a possible clone', async () => {
    const user = await newUser('second-factor@example.com');
    ok(await enroll(user));
    const pending = await pendingSignIn(user.email);
    expect(pending.challenge.methods).toEqual(['PASSKEY', 'BACKUP_CODE']);
    expect(pending.challenge.passkeyOptions.allowCredentials.map((c: { id: string }) => c.id)).toEqual([user.device.credentials[0].id]);
    // Read again, the same options (until answered).
    expect(ok(await t.gql(OPTIONS, {}, { token: pending.token })).currentSession.challenge.passkeyOptions.challenge).toBe(pending.challenge.passkeyOptions.challenge);

    const phished = await t.gql(VERIFY, { c: user.device.get(pending.challenge.passkeyOptions, { origin: 'https://phish.example.net' }) }, { token: pending.token });
    expect(phished.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    const replayed = await t.gql(VERIFY, { c: user.device.get(pending.challenge.passkeyOptions) }, { token: pending.token });
    expect(replayed.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 3 });
    expect(errorCode(await t.gql(VERIFY, { c: { not: 'a credential' } }, { token: pending.token }))).toBe('BAD_USER_INPUT');

    const fresh = ok(await t.gql(OPTIONS, {}, { token: pending.token })).currentSession.challenge;
    expect(fresh.attemptsRemaining).toBe(3);
    const used = user.device.get(fresh.passkeyOptions);
    expect(ok(await t.gql(VERIFY, { c: used }, { token: pending.token })).verifyTwoFactor.stage).toBe('AUTHENTICATED');
    const storedCount = user.device.credentials[0].counter;

    // A copy of the key signs with a counter already seen: refused, recorded, and it costs an attempt.
    const again = await pendingSignIn(user.email);
    const copied = user.device.get(again.challenge.passkeyOptions, { counter: storedCount - 1 });
    const cloned = await t.gql(VERIFY, { c: copied }, { token: again.token });
    expect(cloned.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    const [clone] = await events(user.id, 'PASSKEY_CLONE_SUSPECTED');
    expect(JSON.parse(clone.details!)).toMatchObject({ storedCount, receivedCount: storedCount - 1 });
    const valid = user.device.get(ok(await t.gql(OPTIONS, {}, { token: again.token })).currentSession.challenge.passkeyOptions, { counter: 10 });
    expect(ok(await t.gql(VERIFY, { c: valid }, { token: again.token })).verifyTwoFactor.stage).toBe('AUTHENTICATED');
  });

  it("another user's passkey answers nothing for this user's sign-in", async () => {
    const alice = await newUser('alice-pk@example.com');
    const mallory = await newUser('mallory-pk@example.com');
    ok(await enroll(alice));
    ok(await enroll(mallory));
    const pending = await pendingSignIn(alice.email);
    const foreign = mallory.device.get({ ...pending.challenge.passkeyOptions, allowCredentials: [] });
    expect((await t.gql(VERIFY, { c: foreign }, { token: pending.token })).errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });
  });

  it('passwordless: AUTHENTICATED on a user-verified assertion; one INVALID_CREDENTIALS for every failure; the policy can turn it off', async () => {
    const user = await newUser('passwordless@example.com');
    ok(await enroll(user));
    const start = async () => ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;

    const started = await start();
    expect(started.options.userVerification).toBe('required');
    expect(started.options.allowCredentials ?? []).toEqual([]);
    const response = user.device.get(started.options);
    const signedIn = ok(await t.gql(PASSWORDLESS, { id: started.challengeId, c: response })).signInWithPasskey;
    expect(signedIn).toMatchObject({ stage: 'AUTHENTICATED', user: { email: user.email } });
    expect(ok(await t.gql(STATUS, {}, { token: signedIn.sessionToken })).me.twoFactor.methods).toEqual(['PASSKEY']);

    const failures = [
      await t.gql(PASSWORDLESS, { id: started.challengeId, c: response }), // replayed
      await t.gql(PASSWORDLESS, { id: (await start()).challengeId, c: user.device.get((await start()).options) }), // another challenge's answer
    ];
    const phished = await start();
    failures.push(await t.gql(PASSWORDLESS, { id: phished.challengeId, c: user.device.get(phished.options, { origin: 'https://phish.example.net' }) }));
    const noUv = await start();
    failures.push(await t.gql(PASSWORDLESS, { id: noUv.challengeId, c: user.device.get(noUv.options, { userVerified: false }) }));
    const unknown = await start();
    const outsider = new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    outsider.create({ ...(ok(await t.gql(START, {}, { token: (await newUser('outsider@example.com')).token })).startPasskeyEnrollment.options) });
    failures.push(await t.gql(PASSWORDLESS, { id: unknown.challengeId, c: outsider.get(unknown.options) }));
    for (const failure of failures) expect(failure.errors?.[0].extensions?.code).toBe('INVALID_CREDENTIALS');
    expect(new Set(failures.map((f) => f.errors?.[0].message)).size).toBe(1);
    // Recorded with the user when the response named their passkey (phished, no user verification).
    expect((await events(user.id, 'SIGN_IN_FAILED')).length).toBe(2);

    ok(await t.gql(POLICY, { input: { allowPasskeySignIn: false } }, { token: admin }));
    expect(errorCode(await t.gql(START_PASSWORDLESS))).toBe('METHOD_NOT_AVAILABLE');
    expect(errorCode(await t.gql(PASSWORDLESS, { id: started.challengeId, c: response }))).toBe('METHOD_NOT_AVAILABLE');
    ok(await t.gql(POLICY, { input: { allowPasskeySignIn: true, allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP'] } }, { token: admin }));
    expect(errorCode(await t.gql(START_PASSWORDLESS))).toBe('METHOD_NOT_AVAILABLE');
    ok(await t.gql(POLICY, { input: { allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP', 'PASSKEY'] } }, { token: admin }));
  });

  it('races: ten requests answering one challenge sign in once; two signatures with the same counter sign in once', async () => {
    const user = await newUser('race-pk@example.com');
    ok(await enroll(user));
    const started = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    const answer = user.device.get(started.options);
    // Every request past the throttle before any consumes the challenge: only the DELETE's own condition decides.
    const claims = holdAfter(t.app.get(LoginThrottleService), 'claimAddress', 10);
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.gql(PASSWORDLESS, { id: started.challengeId, c: answer })));
    claims.restore();
    expect(claims.arrived).toBe(10);
    expect(answers.filter((a) => a.data?.signInWithPasskey.stage === 'AUTHENTICATED')).toHaveLength(1);
    expect(answers.filter((a) => errorCode(a) === 'INVALID_CREDENTIALS')).toHaveLength(9);

    // A cloned key: two challenges, two valid signatures with the same counter, both read the stored counter first.
    const first = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    const second = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    const counter = user.device.credentials[0].counter + 5;
    const pair = [user.device.get(first.options, { counter }), user.device.get(second.options, { counter })];
    const reads = holdAfter(t.app.get(PasskeysService), 'findByCredentialId', 2);
    const results = await Promise.all([
      t.gql(PASSWORDLESS, { id: first.challengeId, c: pair[0] }),
      t.gql(PASSWORDLESS, { id: second.challengeId, c: pair[1] }),
    ]);
    reads.restore();
    expect(reads.arrived).toBe(2);
    expect(results.map((r) => r.data?.signInWithPasskey?.stage ?? errorCode(r)).sort()).toEqual(['AUTHENTICATED', 'INVALID_CREDENTIALS']);
    expect(await events(user.id, 'PASSKEY_CLONE_SUSPECTED')).toHaveLength(1);
  });

  it('a locked account gets ACCOUNT_LOCKED from a passwordless sign-in, and only after a valid assertion', async () => {
    const user = await newUser('locked-pk@example.com');
    ok(await enroll(user));
    for (let i = 0; i < 5; i++) {
      const pending = await pendingSignIn(user.email);
      const wrong = user.device.get(pending.challenge.passkeyOptions, { origin: 'https://phish.example.net' });
      expect(errorCode(await t.gql(VERIFY, { c: wrong }, { token: pending.token }))).toBe(i < 4 ? 'INVALID_CODE' : 'ACCOUNT_LOCKED');
      if (i < 4) t.clock.advanceMinutes(5);
    }
    const bad = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(errorCode(await t.gql(PASSWORDLESS, { id: bad.challengeId, c: user.device.get(bad.options, { userVerified: false }) }))).toBe('INVALID_CREDENTIALS');
    const good = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(errorCode(await t.gql(PASSWORDLESS, { id: good.challengeId, c: user.device.get(good.options) }))).toBe('ACCOUNT_LOCKED');
    t.clock.advanceMinutes(31);
  });

  it('a disabled account gets ACCOUNT_DISABLED from a passwordless sign-in, and only after a valid assertion', async () => {
    const user = await newUser('disabled-pk@example.com');
    ok(await enroll(user));
    const userId = ok(await t.gql(`{ me { id } }`, {}, { token: user.token })).me.id;
    ok(await t.gql(`mutation($id: ID!) { disableUser(id: $id) { disabled } }`, { id: userId }, { token: admin }));
    const bad = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(errorCode(await t.gql(PASSWORDLESS, { id: bad.challengeId, c: user.device.get(bad.options, { userVerified: false }) }))).toBe('INVALID_CREDENTIALS');
    const good = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(errorCode(await t.gql(PASSWORDLESS, { id: good.challengeId, c: user.device.get(good.options) }))).toBe('ACCOUNT_DISABLED');
    ok(await t.gql(`mutation($id: ID!) { enableUser(id: $id) { disabled } }`, { id: userId }, { token: admin }));
    const again = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(ok(await t.gql(PASSWORDLESS, { id: again.challengeId, c: user.device.get(again.options) })).signInWithPasskey.stage).toBe('AUTHENTICATED');
  });

  it('removing passkeys: the last one turns PASSKEY and 2FA off; each removal is recorded and mailed; an admin reset removes them all', async () => {
    const user = await newUser('remove@example.com');
    ok(await enroll(user, 'Laptop'));
    t.clock.advanceSeconds(1);
    const second = ok(await enroll({ ...user, device: new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' }) }, 'Phone')).confirmPasskeyEnrollment;
    const named = (name: string) => second.twoFactor.passkeys.find((p: { name: string }) => p.name === name);
    const [laptop, phone] = [named('Laptop'), named('Phone')];
    const REMOVE = `mutation($id: ID!, $p: String!) { removePasskey(id: $id, password: $p) { enabled methods backupCodesRemaining passkeys { name } } }`;

    expect(errorCode(await t.gql(REMOVE, { id: laptop.id, p: 'wrong-password' }, { token: user.token }))).toBe('INVALID_CREDENTIALS');
    const since = smtp.messages.length;
    expect(ok(await t.gql(REMOVE, { id: laptop.id, p: PASSWORD }, { token: user.token })).removePasskey).toEqual({
      enabled: true,
      methods: ['PASSKEY'],
      backupCodesRemaining: 10,
      passkeys: [{ name: 'Phone' }],
    });
    await smtp.waitFor(user.email, { since, match: (m) => m.subject === 'Acme: a passkey was removed' && m.text.includes('(Laptop)') });
    expect(errorCode(await t.gql(REMOVE, { id: laptop.id, p: PASSWORD }, { token: user.token }))).toBe('NOT_FOUND');

    expect(ok(await t.gql(REMOVE, { id: phone.id, p: PASSWORD }, { token: user.token })).removePasskey).toEqual({
      enabled: false,
      methods: [],
      backupCodesRemaining: 0,
      passkeys: [],
    });
    expect((await events(user.id, 'PASSKEY_REMOVED')).map((e) => JSON.parse(e.details!))).toEqual([
      expect.objectContaining({ name: 'Laptop', lastPasskey: false }),
      expect.objectContaining({ name: 'Phone', lastPasskey: true }),
    ]);
    expect((await events(user.id, 'METHOD_DISABLED')).map((e) => JSON.parse(e.details!))).toEqual([{ method: 'PASSKEY', lastMethod: true }]);
    expect(ok(await t.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } })).signIn.stage).toBe('AUTHENTICATED');

    // An admin reset removes passkeys with everything else.
    const fresh = { ...user, token: (await signIn(t, user.email, PASSWORD)).sessionToken, device: new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' }) };
    ok(await enroll(fresh));
    ok(await t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: user.id }, { token: admin }));
    const after = (await signIn(t, user.email, PASSWORD)).sessionToken;
    expect(ok(await t.gql(STATUS, {}, { token: after })).me.twoFactor).toEqual({ enabled: false, methods: [], backupCodesRemaining: 0, passkeys: [] });
    const passwordless = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    expect(errorCode(await t.gql(PASSWORDLESS, { id: passwordless.challengeId, c: fresh.device.get(passwordless.options) }))).toBe('INVALID_CREDENTIALS');
  });
});

describe('passkeys in production without WEBAUTHN_RP_ID', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => t?.close());

  it('are not available, and the policy cannot require 2FA when only PASSKEY is allowed', async () => {
    const admin = await adminToken(t);
    expect(errorCode(await t.gql(START, {}, { token: admin }))).toBe('METHOD_NOT_AVAILABLE');
    expect(errorCode(await t.gql(START_PASSWORDLESS))).toBe('METHOD_NOT_AVAILABLE');
    const refused = await t.gql(POLICY, { input: { requirement: 'REQUIRED_FOR_ALL', allowedMethods: ['PASSKEY'] } }, { token: admin });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'requirement' });
  });
});

describe('passkeys under a policy of their own, and the sign-in throttle', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    // Per-minute limits off: what is left is the sign-in throttle on the client's address, which signIn shares.
    t = await startTestApp({ env: { RATE_LIMITS: 'off' } });
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  it('PENDING_ENROLLMENT: a passkey meets a 2FA requirement and opens the full session; the only one cannot be removed then', async () => {
    const adminDevice = new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    ok(await t.gql(CONFIRM, { c: adminDevice.create(ok(await t.gql(START, {}, { token: admin })).startPasskeyEnrollment.options), n: null }, { token: admin }));
    ok(await t.gql(POLICY, { input: { requirement: 'REQUIRED_FOR_ALL', allowedMethods: ['PASSKEY'] } }, { token: admin }));

    await createUser(t, admin, { email: 'required-pk@example.com', password: PASSWORD });
    const pending = await signIn(t, 'required-pk@example.com', PASSWORD);
    expect(pending.stage).toBe('PENDING_ENROLLMENT');
    const device = new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    const { options } = ok(await t.gql(START, {}, { token: pending.sessionToken })).startPasskeyEnrollment;
    const ENROLLED = `mutation($c: JSON!) { confirmPasskeyEnrollment(credential: $c) { session { stage sessionToken } twoFactor { passkeys { id } } } }`;
    const result = ok(await t.gql(ENROLLED, { c: device.create(options) }, { token: pending.sessionToken })).confirmPasskeyEnrollment;
    expect(result.session.stage).toBe('AUTHENTICATED');
    const REMOVE = `mutation($id: ID!, $p: String!) { removePasskey(id: $id, password: $p) { methods } }`;
    const refused = await t.gql(REMOVE, { id: result.twoFactor.passkeys[0].id, p: PASSWORD }, { token: result.session.sessionToken });
    expect(errorCode(refused)).toBe('REQUIRED_BY_POLICY');
    ok(await t.gql(POLICY, { input: { requirement: 'OPTIONAL', allowedMethods: ['EMAIL', 'AUTHENTICATOR_APP', 'PASSKEY'] } }, { token: admin }));
  });

  it('counts each passwordless try on the address like a password; past its allowance both wait', async () => {
    await createUser(t, admin, { email: 'throttled-pk@example.com', password: PASSWORD });
    const token = (await signIn(t, 'throttled-pk@example.com', PASSWORD)).sessionToken;
    const device = new SoftwareAuthenticator({ origin: ORIGIN, rpId: 'localhost' });
    ok(await t.gql(CONFIRM, { c: device.create(ok(await t.gql(START, {}, { token })).startPasskeyEnrollment.options), n: null }, { token }));
    const { options } = ok(await t.gql(START_PASSWORDLESS)).startPasskeySignIn;
    const answer = device.get(options);

    // The answer to a challenge that was never issued under this id: a failure, counted like a wrong password.
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 110 && codes[codes.length - 1] !== 'RATE_LIMITED'; i++) {
      codes.push(errorCode(await t.gql(PASSWORDLESS, { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, c: answer })));
    }
    expect(codes.slice(0, 100).every((code) => code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(codes[100]).toBe('RATE_LIMITED');
    expect(errorCode(await t.gql(SIGN_IN, { input: { email: 'throttled-pk@example.com', password: PASSWORD } }))).toBe('RATE_LIMITED');
    const throttled = await t.app.get(DataSource).getRepository(SecurityEventEntity).countBy({ type: 'SIGN_IN_THROTTLED' });
    expect(throttled).toBeGreaterThanOrEqual(1);
  });
});
