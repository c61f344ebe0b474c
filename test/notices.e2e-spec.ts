import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, errorCode, signIn, SIGN_IN, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

/** Issues 4 and 5: the user is told by email of each change to their second factor, never shown a code in it. */
describe('security notices by email', () => {
  let t: TestApp;
  const smtp = new TestSmtpServer();
  const PASSWORD = 'noticed-password';

  beforeAll(async () => {
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, APP_NAME: 'Acme' } });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('method on and off, new backup codes, an admin-issued code, a lockout, a new trusted device and a reset each mail the user', async () => {
    const admin = await adminToken(t);
    const email = 'noticed@example.com';
    const user = await createUser(t, admin, { email, password: PASSWORD });
    const notice = async (subject: string, since: number) => smtp.waitFor(email, { since, match: (m) => m.subject === `Acme: ${subject}` });
    let token = (await signIn(t, email, PASSWORD)).sessionToken;

    let since = smtp.messages.length;
    const secret = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token })).data.startAuthenticatorEnrollment.secret;
    const code = () => oathtoolCode(secret, t.clock.now());
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: code() }, { token });
    t.clock.advanceSeconds(30);
    await notice('two-factor authentication turned on', since);

    since = smtp.messages.length;
    const codes = (await t.gql(`mutation($p: String!) { regenerateBackupCodes(password: $p) }`, { p: PASSWORD }, { token })).data.regenerateBackupCodes;
    const regenerated = await notice('new backup codes', since);
    for (const backup of codes) expect(`${regenerated.text}${regenerated.html}`).not.toContain(backup);

    since = smtp.messages.length;
    const issued = (await t.gql(`mutation($id: ID!) { issueBackupCode(userId: $id) { code } }`, { id: user.id }, { token: admin })).data.issueBackupCode.code;
    const issuedNotice = await notice('an administrator issued a backup code', since);
    expect(`${issuedNotice.text}${issuedNotice.html}`).not.toContain(issued);

    since = smtp.messages.length;
    const VERIFY = `mutation($code: String!, $remember: Boolean) { verifyTwoFactor(input: { method: AUTHENTICATOR_APP, code: $code, rememberDevice: $remember }) { stage } }`;
    const pending = (await t.gql(SIGN_IN, { input: { email, password: PASSWORD } })).data.signIn.sessionToken;
    expect((await t.gql(VERIFY, { code: code(), remember: true }, { token: pending, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0' } })).data.verifyTwoFactor.stage).toBe('AUTHENTICATED');
    t.clock.advanceSeconds(30);
    await notice('new trusted device', since);

    since = smtp.messages.length;
    for (let i = 0; i < 5; i++) {
      // A fresh sign-in each time, past each cooldown: the count carries over.
      const attempt = (await t.gql(SIGN_IN, { input: { email, password: PASSWORD } })).data.signIn.sessionToken;
      const wrong = code() === '000000' ? '111111' : '000000';
      expect(errorCode(await t.gql(VERIFY, { code: wrong }, { token: attempt }))).toBe(i < 4 ? 'INVALID_CODE' : 'ACCOUNT_LOCKED');
      if (i < 4) t.clock.advanceMinutes(5);
    }
    expect(errorCode(await t.gql(SIGN_IN, { input: { email, password: PASSWORD } }))).toBe('ACCOUNT_LOCKED');
    await notice('sign-in blocked after failed codes', since);

    since = smtp.messages.length;
    await t.gql(`mutation($id: ID!) { resetTwoFactor(userId: $id) { id } }`, { id: user.id }, { token: admin });
    await notice('two-factor authentication reset', since);

    // After the reset: no method; turning one on and off again tells the user both times.
    token = (await signIn(t, email, PASSWORD)).sessionToken;
    const again = (await t.gql(`mutation { startAuthenticatorEnrollment { secret } }`, {}, { token })).data.startAuthenticatorEnrollment.secret;
    await t.gql(`mutation($code: String!) { confirmAuthenticatorEnrollment(code: $code) { backupCodes } }`, { code: oathtoolCode(again, t.clock.now()) }, { token });
    since = smtp.messages.length;
    const off = await t.gql(`mutation($p: String!) { disableTwoFactorMethod(method: AUTHENTICATOR_APP, password: $p) { enabled } }`, { p: PASSWORD }, { token });
    expect(off.data.disableTwoFactorMethod.enabled).toBe(false);
    await notice('two-factor authentication turned off', since);
  });
});
