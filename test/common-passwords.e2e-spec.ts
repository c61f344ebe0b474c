import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/app-config';
import { adminToken, createUser, signIn, startTestApp, TestApp } from './support/app';

const CREATE = `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`;
const CHANGE = `mutation($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }`;

describe('common passwords, and the email as a password, are refused wherever a password is chosen', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(async () => t?.close());

  it('createUser: BAD_USER_INPUT naming password, for a common password (any case) or the email or its user name', async () => {
    const cases: Array<[string, string]> = [
      ['password1', 'common-1@example.com'],
      ['Qwertyuiop', 'common-2@example.com'],
      ['iloveyou', 'common-3@example.com'],
      ['common-4@example.com', 'common-4@example.com'],
      ['Helpdesk.Agent', 'helpdesk.agent@example.com'],
    ];
    for (const [password, email] of cases) {
      const response = await t.gql(CREATE, { input: { email, password } }, { token: admin });
      expect(response.errors?.[0]?.extensions, password).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
    }
    const accepted = await t.gql(CREATE, { input: { email: 'common-ok@example.com', password: 'agent-password' } }, { token: admin });
    expect(accepted.errors).toBeUndefined();
  });

  it('changePassword: BAD_USER_INPUT naming newPassword; the old password keeps working', async () => {
    await createUser(t, admin, { email: 'changer.common@example.com', password: 'changer-password-1' });
    const session = await signIn(t, 'changer.common@example.com', 'changer-password-1');
    for (const next of ['football', 'changer.common', 'CHANGER.COMMON@example.com']) {
      const refused = await t.gql(CHANGE, { current: 'changer-password-1', next }, { token: session.sessionToken });
      expect(refused.errors?.[0]?.extensions, next).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    }
    expect((await signIn(t, 'changer.common@example.com', 'changer-password-1')).stage).toBe('AUTHENTICATED');
    const changed = await t.gql(CHANGE, { current: 'changer-password-1', next: 'a-far-better-passphrase' }, { token: session.sessionToken });
    expect(changed.errors).toBeUndefined();
  });

  it('the bootstrap admin: the server refuses to start with a common BOOTSTRAP_ADMIN_PASSWORD, naming it', async () => {
    const start = startTestApp({ database: t.database, env: { BOOTSTRAP_ADMIN_EMAIL: 'boss@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'password123' } });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/BOOTSTRAP_ADMIN_PASSWORD is one of the most common passwords/);
  });
});
