import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { TwoFactorStatusService } from '../src/modules/enrollment/two-factor-status.service';
import { TwoFactorMethodsRegistry } from '../src/modules/methods/two-factor-methods.registry';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorPolicy, TwoFactorRequirement } from '../src/modules/policy/policy.types';
import { UsersService } from '../src/modules/users/users.service';
import { adminToken, errorCode, GraphQLResponse, startTestApp, TestApp } from './support/app';
import { enableSms, lastSmsCode, SMS, SmsTestModule } from './support/sms-method';
import { ReceivedMail, sixDigitCode, TestSmtpServer } from './support/smtp';

const PASSWORD = 'enrollment-password-1';
const CLIENT = { ip: '127.0.0.1', userAgent: 'enrollment-test' };
const BACKUP_CODE_SHAPE = /^[0-9a-z]{5}-[0-9a-z]{5}$/;

const STATUS = 'enabled methods preferredMethod backupCodesRemaining';
const ME = `{ me { id email twoFactor { ${STATUS} } } }`;
const START_EMAIL = `mutation { startEmailEnrollment { sentTo expiresAt resendAvailableAt } }`;
const RESEND_EMAIL = `mutation { resendEmailEnrollmentCode { sentTo expiresAt resendAvailableAt } }`;
const RESULT = `twoFactor { ${STATUS} } backupCodes session { stage sessionToken user { id twoFactor { ${STATUS} } } }`;
const CONFIRM_EMAIL = `mutation($code: String!) { confirmEmailEnrollment(code: $code) { ${RESULT} } }`;
const START_APP = `mutation { startAuthenticatorEnrollment { secret otpauthUri qrCodeDataUrl expiresAt } }`;
const CONFIRM_APP = `mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { ${RESULT} } }`;
const DISABLE = `mutation($method: TwoFactorMethod!, $password: String!) { disableTwoFactorMethod(method: $method, password: $password) { ${STATUS} } }`;
const PREFER = `mutation($method: TwoFactorMethod!) { setPreferredTwoFactorMethod(method: $method) { ${STATUS} } }`;
const REGENERATE = `mutation($password: String!) { regenerateBackupCodes(password: $password) }`;
const ISSUE = `mutation($userId: ID!) { issueBackupCode(userId: $userId) { code expiresAt } }`;

/** What an authenticator app shows at `at`, computed by oathtool (an independent implementation). */
function oathtool(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).trim();
}

/** The text of a QR code PNG data URL, read by zbarimg. */
function decodeQr(dataUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'enrollment-qr-'));
  try {
    const file = join(dir, 'qr.png');
    writeFileSync(file, Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
    return execFileSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' }).replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

function ok<T = any>(response: GraphQLResponse<T>): T {
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

describe('enrollment: email, authenticator app, backup codes', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: string;
  let defaults: Omit<TwoFactorPolicy, 'updatedAt'>;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url }, imports: [SmsTestModule] });
    admin = await adminToken(t);
    const { updatedAt: _u, ...policy } = await t.app.get(PolicyService).get();
    defaults = policy;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  let counter = 0;
  /** A new AGENT (or ADMIN) and an AUTHENTICATED token, without going through signIn. */
  async function newUser(role: Role = Role.AGENT, stage: SessionStage = SessionStage.AUTHENTICATED) {
    const email = `enrollee${++counter}@example.com`;
    const user = await t.app.get(UsersService).create({ email, password: PASSWORD, role });
    const token = (await t.app.get(SessionsService).open(user.id, stage, CLIENT)).token;
    return { id: user.id, email, token };
  }

  async function setPolicy(change: Partial<Omit<TwoFactorPolicy, 'updatedAt'>>) {
    await t.app.get(PolicyService).save({ ...defaults, ...change }, t.clock.now());
  }

  async function enrollmentMail(email: string, since: number): Promise<ReceivedMail> {
    return smtp.waitFor(email, { since, match: (m) => /verification code|enrollment-code/i.test(m.subject) && /\b\d{6}\b/.test(m.text) });
  }

  async function enrollEmail(user: { email: string; token: string }) {
    const since = smtp.messages.length;
    ok(await t.gql(START_EMAIL, {}, { token: user.token }));
    const code = sixDigitCode(await enrollmentMail(user.email, since));
    return ok(await t.gql(CONFIRM_EMAIL, { code }, { token: user.token })).confirmEmailEnrollment;
  }

  async function enrollApp(user: { token: string }) {
    const start = ok(await t.gql(START_APP, {}, { token: user.token })).startAuthenticatorEnrollment;
    const result = ok(await t.gql(CONFIRM_APP, { code: oathtool(start.secret, t.clock.now()) }, { token: user.token }));
    return { secret: start.secret as string, result: result.confirmAuthenticatorEnrollment };
  }

  async function verify(method: string, userId: string, code: string, challengeId = randomUUID()) {
    const handler = t.app.get(TwoFactorMethodsRegistry).get(method)!;
    const normalized = handler.normalizeCode(code);
    if (!normalized) return 'malformed';
    const policy = await t.app.get(PolicyService).get();
    return (await handler.verify({ userId, challengeId, code: normalized, now: t.clock.now(), policy, client: CLIENT })).status;
  }

  async function events(userId: string) {
    const rows: Array<{ type: string; actorId: string | null; details: string | null }> = await t.app
      .get(DataSource)
      .query('SELECT type, actorId, details FROM security_events WHERE userId = ? ORDER BY id', [userId]);
    return rows.map((r) => ({ type: r.type, actorId: r.actorId, details: r.details ? JSON.parse(r.details) : null }));
  }

  describe('email', () => {
    it('turns on with the code from the mailbox and returns ten backup codes once', async () => {
      const user = await newUser();
      expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor).toEqual({
        enabled: false,
        methods: [],
        preferredMethod: null,
        backupCodesRemaining: 0,
      });

      const since = smtp.messages.length;
      const now = t.clock.now();
      const started = ok(await t.gql(START_EMAIL, {}, { token: user.token })).startEmailEnrollment;
      expect(started.sentTo).toBe('e***@example.com');
      expect(new Date(started.expiresAt).getTime()).toBe(now.getTime() + 10 * 60_000);
      expect(new Date(started.resendAvailableAt).getTime()).toBe(now.getTime() + 60_000);
      const mail = await enrollmentMail(user.email, since);
      const code = sixDigitCode(mail);

      // Stored only as a salted keyed hash.
      const rows = await t.app.get(DataSource).query('SELECT * FROM email_codes WHERE userId = ?', [user.id]);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(code);

      const result = ok(await t.gql(CONFIRM_EMAIL, { code: ` ${code.slice(0, 3)} ${code.slice(3)} ` }, { token: user.token })).confirmEmailEnrollment;
      expect(result.twoFactor).toEqual({ enabled: true, methods: ['EMAIL'], preferredMethod: 'EMAIL', backupCodesRemaining: 10 });
      expect(result.session).toBeNull();
      expect(result.backupCodes).toHaveLength(10);
      expect(new Set(result.backupCodes).size).toBe(10);
      for (const backupCode of result.backupCodes) expect(backupCode).toMatch(BACKUP_CODE_SHAPE);
      const stored = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM backup_codes WHERE userId = ?', [user.id]));
      for (const backupCode of result.backupCodes) {
        expect(stored).not.toContain(backupCode);
        expect(stored).not.toContain(backupCode.replace('-', '').toUpperCase());
      }

      // The code was used once; the enrollment is over.
      expect(errorCode(await t.gql(CONFIRM_EMAIL, { code }, { token: user.token }))).toBe('CODE_EXPIRED');
      // Already on: starting again is refused.
      expect(errorCode(await t.gql(START_EMAIL, {}, { token: user.token }))).toBe('BAD_USER_INPUT');
      expect(await events(user.id)).toContainEqual({ type: 'METHOD_ENABLED', actorId: null, details: { method: 'EMAIL' } });
      expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor.methods).toEqual(['EMAIL']);
    });

    it('refuses a wrong code (attempts counted), a malformed one (not counted) and an expired one', async () => {
      const user = await newUser();
      const since = smtp.messages.length;
      ok(await t.gql(START_EMAIL, {}, { token: user.token }));
      const code = sixDigitCode(await enrollmentMail(user.email, since));

      const wrong = await t.gql(CONFIRM_EMAIL, { code: otherCode(code) }, { token: user.token });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });
      for (const malformed of ['12a456', '12345', '１２３４５６']) {
        const bad = await t.gql(CONFIRM_EMAIL, { code: malformed }, { token: user.token });
        expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
      }
      const again = await t.gql(CONFIRM_EMAIL, { code: otherCode(code) }, { token: user.token });
      expect(again.errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 3 });

      t.clock.advanceMinutes(10);
      t.clock.advanceSeconds(1);
      expect(errorCode(await t.gql(CONFIRM_EMAIL, { code }, { token: user.token }))).toBe('CODE_EXPIRED');
      expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor.enabled).toBe(false);

      // Starting again sends a new code that works.
      const result = await enrollEmail(user);
      expect(result.twoFactor.methods).toEqual(['EMAIL']);
    });

    it('parallel wrong codes get no more checks than a patient guesser: the user\'s attempts, cooldown from the third', async () => {
      const user = await newUser();
      const since = smtp.messages.length;
      ok(await t.gql(START_EMAIL, {}, { token: user.token }));
      const code = sixDigitCode(await enrollmentMail(user.email, since));
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => t.gql(CONFIRM_EMAIL, { code: otherCode(String((Number(code) + i) % 1_000_000)) }, { token: user.token })),
      );
      const codes = answers.map(errorCode);
      // At most the two free failures and the third, which starts the cooldown; everything else is refused unchecked.
      const checked = codes.filter((c) => c === 'INVALID_CODE').length;
      expect(checked).toBeGreaterThanOrEqual(1);
      expect(checked).toBeLessThanOrEqual(3);
      expect(codes.every((c) => c === 'INVALID_CODE' || c === 'RATE_LIMITED' || c === 'TOO_MANY_ATTEMPTS')).toBe(true);
      // Once the cooldown is over, the right code still works: the enrollment was never voided, only the guesses counted.
      t.clock.advanceMinutes(5);
      ok(await t.gql(CONFIRM_EMAIL, { code }, { token: user.token }));
    });

    it('resends only after the cooldown; the new code replaces the old', async () => {
      const user = await newUser();
      let since = smtp.messages.length;
      ok(await t.gql(START_EMAIL, {}, { token: user.token }));
      const first = sixDigitCode(await enrollmentMail(user.email, since));

      const tooSoon = await t.gql(RESEND_EMAIL, {}, { token: user.token });
      expect(tooSoon.errors![0].extensions).toMatchObject({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 60 });
      t.clock.advanceSeconds(45);
      const stillTooSoon = await t.gql(RESEND_EMAIL, {}, { token: user.token });
      expect(stillTooSoon.errors![0].extensions).toMatchObject({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 15 });
      // Starting again inside the cooldown sends nothing new: it answers with the enrollment under way.
      const restarted = ok(await t.gql(START_EMAIL, {}, { token: user.token })).startEmailEnrollment;
      expect(new Date(restarted.resendAvailableAt).getTime()).toBe(t.clock.now().getTime() + 15_000);

      t.clock.advanceSeconds(15);
      since = smtp.messages.length;
      const resent = ok(await t.gql(RESEND_EMAIL, {}, { token: user.token })).resendEmailEnrollmentCode;
      expect(new Date(resent.resendAvailableAt).getTime()).toBe(t.clock.now().getTime() + 60_000);
      const second = sixDigitCode(await enrollmentMail(user.email, since));
      // (The two codes coincide once in a million: then there is nothing to refuse.)
      if (second !== first) expect(errorCode(await t.gql(CONFIRM_EMAIL, { code: first }, { token: user.token }))).toBe('INVALID_CODE');
      const result = ok(await t.gql(CONFIRM_EMAIL, { code: second }, { token: user.token })).confirmEmailEnrollment;
      expect(result.twoFactor.enabled).toBe(true);
    });

    it('SMTP_NOT_CONFIGURED when no mail server can be used', async () => {
      // Production without SMTP_URL (and no admin settings): no development mailbox either.
      // Its own database: its mail worker must not claim this file's outbox.
      const bare = await startTestApp({ env: { NODE_ENV: 'production' }, clock: t.clock });
      try {
        const user = await bare.app.get(UsersService).create({ email: `nomail${++counter}@example.com`, password: PASSWORD });
        const token = (await bare.app.get(SessionsService).open(user.id, SessionStage.AUTHENTICATED, CLIENT)).token;
        expect(errorCode(await bare.gql(START_EMAIL, {}, { token }))).toBe('SMTP_NOT_CONFIGURED');
        expect(errorCode(await bare.gql(RESEND_EMAIL, {}, { token }))).toBe('SMTP_NOT_CONFIGURED');
        // The authenticator app needs no mail.
        expect((await bare.gql(START_APP, {}, { token })).errors).toBeUndefined();
      } finally {
        await bare.close();
      }
    });

    it('the sign-in code (EMAIL handler) is bound to its challenge, single use, and expires', async () => {
      const user = await newUser();
      await enrollEmail(user);
      const handler = t.app.get(TwoFactorMethodsRegistry).get('EMAIL')!;
      const policy = await t.app.get(PolicyService).get();
      const challengeId = randomUUID();
      const since = smtp.messages.length;
      const receipt = await handler.deliver!({ userId: user.id, email: user.email, challengeId, now: t.clock.now(), policy });
      expect(receipt.sentTo).toBe('e***@example.com');
      const code = sixDigitCode(await smtp.waitFor(user.email, { since, match: (m) => /sign-in/i.test(m.subject) }));
      expect(await verify('EMAIL', user.id, code, randomUUID())).toBe('refused'); // another challenge
      const results = await Promise.all(Array.from({ length: 5 }, () => verify('EMAIL', user.id, code, challengeId)));
      expect(results.filter((r) => r === 'accepted')).toHaveLength(1);

      const later = randomUUID();
      const since2 = smtp.messages.length;
      await handler.deliver!({ userId: user.id, email: user.email, challengeId: later, now: t.clock.now(), policy });
      const code2 = sixDigitCode(await smtp.waitFor(user.email, { since: since2, match: (m) => /sign-in/i.test(m.subject) }));
      t.clock.advanceMinutes(11);
      expect(await verify('EMAIL', user.id, code2, later)).toBe('expired');
    });
  });

  describe('authenticator app', () => {
    it('enrolls with a code computed by oathtool; the QR code decodes to the exact URI; the step is used', async () => {
      const user = await newUser();
      const now = t.clock.now();
      const start = ok(await t.gql(START_APP, {}, { token: user.token })).startAuthenticatorEnrollment;
      expect(start.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(start.otpauthUri).toBe(
        `otpauth://totp/Twofold:${encodeURIComponent(user.email)}?secret=${start.secret}&issuer=Twofold&algorithm=SHA1&digits=6&period=30`,
      );
      expect(start.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
      expect(decodeQr(start.qrCodeDataUrl)).toBe(start.otpauthUri);
      expect(new Date(start.expiresAt).getTime()).toBe(now.getTime() + 15 * 60_000);

      // Sealed at rest, pending or confirmed.
      const pending = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM two_factor_enrollments WHERE userId = ?', [user.id]));
      expect(pending).not.toContain(start.secret);

      const wrong = await t.gql(CONFIRM_APP, { code: otherCode(oathtool(start.secret, now)) }, { token: user.token });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsRemaining: 4 });

      const code = oathtool(start.secret, now);
      const result = ok(await t.gql(CONFIRM_APP, { code }, { token: user.token })).confirmAuthenticatorEnrollment;
      expect(result.twoFactor).toEqual({ enabled: true, methods: ['AUTHENTICATOR_APP'], preferredMethod: 'AUTHENTICATOR_APP', backupCodesRemaining: 10 });
      expect(result.backupCodes).toHaveLength(10);

      const stored = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM authenticator_secrets WHERE userId = ?', [user.id]));
      expect(stored).not.toContain(start.secret);
      // The step used to confirm cannot sign in (replay); the next step's code can, once.
      expect(await verify('AUTHENTICATOR_APP', user.id, code)).toBe('refused');
      t.clock.advanceSeconds(30);
      const next = oathtool(start.secret, t.clock.now());
      expect(await verify('AUTHENTICATOR_APP', user.id, next)).toBe('accepted');
      expect(await verify('AUTHENTICATOR_APP', user.id, next)).toBe('refused');
      // Not readable again: a new enrollment is refused while the app is on.
      expect(errorCode(await t.gql(START_APP, {}, { token: user.token }))).toBe('BAD_USER_INPUT');
    });

    it('accepts one of two parallel verifications of the same code (RFC 6238 §5.2)', async () => {
      const user = await newUser();
      const { secret } = await enrollApp(user);
      for (let round = 0; round < 3; round++) {
        t.clock.advanceSeconds(30);
        const code = oathtool(secret, t.clock.now());
        const results = await Promise.all([verify('AUTHENTICATOR_APP', user.id, code), verify('AUTHENTICATOR_APP', user.id, code)]);
        expect(results.sort()).toEqual(['accepted', 'refused']);
      }
    });

    it('a pending enrollment expires', async () => {
      const user = await newUser();
      const start = ok(await t.gql(START_APP, {}, { token: user.token })).startAuthenticatorEnrollment;
      t.clock.advanceMinutes(15);
      const late = await t.gql(CONFIRM_APP, { code: oathtool(start.secret, t.clock.now()) }, { token: user.token });
      expect(errorCode(late)).toBe('CODE_EXPIRED');
    });

    it('as a second method: no new backup codes, the preferred method stays until changed', async () => {
      const user = await newUser();
      const first = await enrollEmail(user);
      const { result } = await enrollApp(user);
      expect(result.backupCodes).toBeNull();
      expect(result.twoFactor).toEqual({ enabled: true, methods: ['EMAIL', 'AUTHENTICATOR_APP'], preferredMethod: 'EMAIL', backupCodesRemaining: 10 });
      expect(await verify('BACKUP_CODE', user.id, first.backupCodes[0])).toBe('accepted');

      const preferred = ok(await t.gql(PREFER, { method: 'AUTHENTICATOR_APP' }, { token: user.token })).setPreferredTwoFactorMethod;
      expect(preferred).toMatchObject({ preferredMethod: 'AUTHENTICATOR_APP', backupCodesRemaining: 9 });
      expect(errorCode(await t.gql(PREFER, { method: 'BACKUP_CODE' }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
      const status = await t.app.get(TwoFactorStatusService).getStatus(user.id);
      expect(status).toEqual({ userId: user.id, enabled: true, methods: ['EMAIL', 'AUTHENTICATOR_APP'], preferredMethod: 'AUTHENTICATOR_APP', backupCodesRemaining: 9 });

      // Turning the preferred one off makes the remaining one preferred; backup codes stay.
      const afterDisable = ok(await t.gql(DISABLE, { method: 'AUTHENTICATOR_APP', password: PASSWORD }, { token: user.token })).disableTwoFactorMethod;
      expect(afterDisable).toEqual({ enabled: true, methods: ['EMAIL'], preferredMethod: 'EMAIL', backupCodesRemaining: 9 });
      expect(await t.app.get(TwoFactorMethodsRegistry).get('AUTHENTICATOR_APP')!.isEnabled(user.id)).toBe(false);
      expect(await t.app.get(DataSource).query('SELECT * FROM authenticator_secrets WHERE userId = ?', [user.id])).toEqual([]);
    });
  });

  describe('backup codes', () => {
    it('regenerate needs the password and invalidates the old codes', async () => {
      const user = await newUser();
      const { backupCodes: old } = await enrollEmail(user);
      const wrong = await t.gql(REGENERATE, { password: 'not-the-password' }, { token: user.token });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'INVALID_CREDENTIALS', field: 'password' });
      expect(await verify('BACKUP_CODE', user.id, old[0])).toBe('accepted');

      const fresh: string[] = ok(await t.gql(REGENERATE, { password: PASSWORD }, { token: user.token })).regenerateBackupCodes;
      expect(fresh).toHaveLength(10);
      expect(new Set(fresh).size).toBe(10);
      for (const code of fresh) expect(code).toMatch(BACKUP_CODE_SHAPE);
      expect(await verify('BACKUP_CODE', user.id, old[1])).toBe('refused');
      // Normalised input: case, dash and spaces do not matter.
      expect(await verify('BACKUP_CODE', user.id, ` ${fresh[0].toUpperCase().replace('-', ' ')} `)).toBe('accepted');
      expect(await verify('BACKUP_CODE', user.id, fresh[0])).toBe('refused');
      expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor.backupCodesRemaining).toBe(9);
      expect((await events(user.id)).map((e) => e.type)).toContain('BACKUP_CODES_REGENERATED');
    });

    it('twenty parallel uses of one code: exactly one is accepted', async () => {
      const user = await newUser();
      const { backupCodes } = await enrollEmail(user);
      const results = await Promise.all(Array.from({ length: 20 }, () => verify('BACKUP_CODE', user.id, backupCodes[3])));
      expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
      expect(results.filter((r) => r === 'refused')).toHaveLength(19);
    });

    it('regenerating without 2FA is refused', async () => {
      const user = await newUser();
      expect(errorCode(await t.gql(REGENERATE, { password: PASSWORD }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
    });
  });

  describe('turning off', () => {
    it('needs the password; the last method off removes the backup codes', async () => {
      const user = await newUser();
      const { backupCodes } = await enrollEmail(user);
      const wrong = await t.gql(DISABLE, { method: 'EMAIL', password: 'not-the-password' }, { token: user.token });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'INVALID_CREDENTIALS', field: 'password' });
      expect(errorCode(await t.gql(DISABLE, { method: 'AUTHENTICATOR_APP', password: PASSWORD }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
      expect(errorCode(await t.gql(DISABLE, { method: 'BACKUP_CODE', password: PASSWORD }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');

      const status = ok(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: user.token })).disableTwoFactorMethod;
      expect(status).toEqual({ enabled: false, methods: [], preferredMethod: null, backupCodesRemaining: 0 });
      expect(await verify('BACKUP_CODE', user.id, backupCodes[0])).toBe('refused');
      expect(await t.app.get(TwoFactorMethodsRegistry).get('BACKUP_CODE')!.isEnabled(user.id)).toBe(false);
      expect(await events(user.id)).toContainEqual({ type: 'METHOD_DISABLED', actorId: null, details: { method: 'EMAIL', lastMethod: true } });
      expect(errorCode(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
    });

    it('the last method is kept with REQUIRED_BY_POLICY when the policy requires 2FA', async () => {
      const agent = await newUser();
      const adminUser = await newUser(Role.ADMIN);
      await enrollEmail(agent);
      await enrollEmail(adminUser);
      try {
        await setPolicy({ requirement: TwoFactorRequirement.REQUIRED_FOR_ADMINS });
        expect(errorCode(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: adminUser.token }))).toBe('REQUIRED_BY_POLICY');
        await setPolicy({ requirement: TwoFactorRequirement.REQUIRED_FOR_ALL });
        expect(errorCode(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: agent.token }))).toBe('REQUIRED_BY_POLICY');
        // With a second method, one of them may go.
        await enrollApp(agent);
        expect(ok(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: agent.token })).disableTwoFactorMethod.methods).toEqual([
          'AUTHENTICATOR_APP',
        ]);
      } finally {
        await setPolicy({});
      }
      expect(ok(await t.gql(DISABLE, { method: 'EMAIL', password: PASSWORD }, { token: adminUser.token })).disableTwoFactorMethod.enabled).toBe(false);
    });

    it('METHOD_NOT_AVAILABLE for a method the policy does not allow', async () => {
      const user = await newUser();
      try {
        await setPolicy({ allowedMethods: ['EMAIL'] });
        expect(errorCode(await t.gql(START_APP, {}, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
        await setPolicy({ allowedMethods: ['AUTHENTICATOR_APP'] });
        expect(errorCode(await t.gql(START_EMAIL, {}, { token: user.token }))).toBe('METHOD_NOT_AVAILABLE');
        // A change between start and confirm counts too.
        const start = ok(await t.gql(START_APP, {}, { token: user.token })).startAuthenticatorEnrollment;
        await setPolicy({ allowedMethods: ['EMAIL'] });
        expect(errorCode(await t.gql(CONFIRM_APP, { code: oathtool(start.secret, t.clock.now()) }, { token: user.token }))).toBe(
          'METHOD_NOT_AVAILABLE',
        );
      } finally {
        await setPolicy({});
      }
    });
  });

  describe('from a PENDING_ENROLLMENT session', () => {
    it('the first method exchanges the pending session for an AUTHENTICATED one', async () => {
      const user = await newUser(Role.AGENT, SessionStage.PENDING_ENROLLMENT);
      expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor.enabled).toBe(false);
      const { result } = await enrollApp(user);
      expect(result.backupCodes).toHaveLength(10);
      expect(result.session).toMatchObject({ stage: 'AUTHENTICATED', user: { id: user.id, twoFactor: { enabled: true, methods: ['AUTHENTICATOR_APP'] } } });
      expect(result.session.sessionToken).not.toBe(user.token);
      expect(errorCode(await t.gql(`{ currentSession { stage } }`, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
      const current = ok(await t.gql(`{ currentSession { stage } }`, {}, { token: result.session.sessionToken }));
      expect(current.currentSession.stage).toBe('AUTHENTICATED');
    });
  });

  describe('admin-issued backup code', () => {
    it('is one code at a time, valid for the policy minutes, single use; events never hold it', async () => {
      const user = await newUser();
      await enrollEmail(user);
      const before = await t.app.get(TwoFactorStatusService).getStatus(user.id);
      const adminId = (await t.app.get(UsersService).findByEmail('admin@example.com'))!.id;

      const issuedAt = t.clock.now();
      const first = ok(await t.gql(ISSUE, { userId: user.id }, { token: admin })).issueBackupCode;
      expect(first.code).toMatch(BACKUP_CODE_SHAPE);
      expect(new Date(first.expiresAt).getTime()).toBe(issuedAt.getTime() + 30 * 60_000);
      const second = ok(await t.gql(ISSUE, { userId: user.id }, { token: admin })).issueBackupCode;
      expect(await verify('BACKUP_CODE', user.id, first.code)).toBe('refused'); // replaced
      t.clock.advanceSeconds(29 * 60 + 59);
      const results = await Promise.all(Array.from({ length: 10 }, () => verify('BACKUP_CODE', user.id, second.code)));
      expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
      expect(await verify('BACKUP_CODE', user.id, second.code)).toBe('refused');

      const third = ok(await t.gql(ISSUE, { userId: user.id }, { token: admin })).issueBackupCode;
      t.clock.advanceSeconds(30 * 60 + 1);
      expect(await verify('BACKUP_CODE', user.id, third.code)).toBe('expired');

      expect(await t.app.get(TwoFactorStatusService).getStatus(user.id)).toEqual(before);
      const issued = (await events(user.id)).filter((e) => e.type === 'BACKUP_CODE_ISSUED');
      expect(issued).toHaveLength(3);
      for (const event of issued) expect(event.actorId).toBe(adminId);
      const all = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM security_events'));
      for (const code of [first.code, second.code, third.code]) {
        expect(all).not.toContain(code);
        expect(all).not.toContain(code.replace('-', '').toUpperCase());
      }
    });

    it('an admin code alone makes BACKUP_CODE usable; NOT_FOUND for an unknown user', async () => {
      const user = await newUser();
      const handler = t.app.get(TwoFactorMethodsRegistry).get('BACKUP_CODE')!;
      expect(await handler.isEnabled(user.id)).toBe(false);
      ok(await t.gql(ISSUE, { userId: user.id }, { token: admin }));
      expect(await handler.isEnabled(user.id)).toBe(true);
      expect(errorCode(await t.gql(ISSUE, { userId: randomUUID() }, { token: admin }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(ISSUE, { userId: user.id }, { token: user.token }))).toBe('FORBIDDEN');
    });
  });

  describe("an integrator's method (SMS) added without touching the core", () => {
    it('is in the registry, the GraphQL enum and User.twoFactor, and its codes verify through the registry', async () => {
      const registry = t.app.get(TwoFactorMethodsRegistry);
      expect(registry.all().map((h) => h.method)).toEqual(expect.arrayContaining(['EMAIL', 'AUTHENTICATOR_APP', 'BACKUP_CODE', SMS]));
      const enumValues = ok(await t.gql(`{ __type(name: "TwoFactorMethod") { enumValues { name } } }`)).__type.enumValues.map((v: { name: string }) => v.name);
      expect(enumValues).toEqual(expect.arrayContaining(['EMAIL', 'AUTHENTICATOR_APP', 'BACKUP_CODE', SMS]));

      const user = await newUser();
      try {
        const { backupCodes } = await enableSms(t, user.id);
        expect(backupCodes).toHaveLength(10);
        expect(ok(await t.gql(ME, {}, { token: user.token })).me.twoFactor).toEqual({
          enabled: true,
          methods: [SMS],
          preferredMethod: SMS,
          backupCodesRemaining: 10,
        });
        const handler = registry.get(SMS)!;
        expect(await handler.isEnabled(user.id)).toBe(true);
        expect((await registry.enabledFor(user.id)).map((h) => h.method)).toEqual([SMS, 'BACKUP_CODE']);

        const challengeId = randomUUID();
        const receipt = await handler.deliver!({ userId: user.id, email: user.email, challengeId, now: t.clock.now(), policy: await t.app.get(PolicyService).get() });
        expect(receipt.sentTo).toBe('+15***01');
        const code = lastSmsCode(t, user.id);
        expect(await verify(SMS, user.id, otherCode(code), challengeId)).toBe('refused');
        expect(await verify(SMS, user.id, code, challengeId)).toBe('accepted');
        expect(await verify(SMS, user.id, code, challengeId)).toBe('refused');

        // The core's own mutations work on it: preferred, turned off with the password.
        await enrollEmail(user);
        expect(ok(await t.gql(PREFER, { method: 'EMAIL' }, { token: user.token })).setPreferredTwoFactorMethod.preferredMethod).toBe('EMAIL');
        const off = ok(await t.gql(DISABLE, { method: SMS, password: PASSWORD }, { token: user.token })).disableTwoFactorMethod;
        expect(off.methods).toEqual(['EMAIL']);
        expect(await handler.isEnabled(user.id)).toBe(false);
      } finally {
        await setPolicy({});
      }
    });
  });
});
