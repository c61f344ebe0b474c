import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailOutboxEntity } from '../src/modules/mail/entities/mail-outbox.entity';
import { MailService } from '../src/modules/mail/mail.service';
import { adminToken, errorCode, startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';

const SMTP_USER = 'relay-user';
const SMTP_PASSWORD = 'relay-Pa55word-stolen-if-sent';
/** What a server says about itself: none of it may reach an admin. */
const BANNER = 'ACME-INTERNAL-RELAY-7 Postfix 3.4.1 xyzzy-banner';

const UPDATE = `mutation($input: SmtpSettingsInput!) { updateSmtpSettings(input: $input) { host port username passwordSet source } }`;
const SEND_TEST = `mutation($to: String!) { sendTestEmail(to: $to) }`;
const base = { secure: false, fromAddress: 'security@acme.example' };

/** An IPv4 address of this machine that is not loopback, or null. */
function nonLoopbackAddress(): string | null {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return null;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function eventually<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SMTP credentials go only where they were given, and only encrypted beyond this machine', () => {
  let t: TestApp;
  let admin: string;
  const servers: TestSmtpServer[] = [];
  const server = async (options: ConstructorParameters<typeof TestSmtpServer>[0]) => {
    const started = new TestSmtpServer(options);
    await started.start();
    servers.push(started);
    return started;
  };
  const update = (input: Record<string, unknown>) => t.gql(UPDATE, { input: { ...base, ...input } }, { token: admin });
  const sendTest = () => t.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin });
  const securityEvents = async () =>
    (await t.gql(`{ securityEvents(first: 100) { items { type details } } }`, {}, { token: admin })).data.securityEvents.items as Array<{
      type: string;
      details: string | null;
    }>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
    for (const s of servers) await s.stop();
  });

  it('a changed port, host or username without a new password drops the stored one: the new server never receives it', async () => {
    const first = await server({ username: SMTP_USER, password: SMTP_PASSWORD });
    // The same account on a second server: had the old password gone there, it would have been accepted.
    const second = await server({ username: SMTP_USER, password: SMTP_PASSWORD });

    const set = await update({ host: '127.0.0.1', port: first.port, username: SMTP_USER, password: SMTP_PASSWORD });
    expect(set.data.updateSmtpSettings.passwordSet).toBe(true);
    expect((await sendTest()).data?.sendTestEmail).toBe(true);
    expect(first.logins).toEqual([{ username: SMTP_USER, password: SMTP_PASSWORD }]);

    // Same server, another sender name: the password stays.
    expect((await update({ host: '127.0.0.1', port: first.port, username: SMTP_USER, fromName: 'Acme' })).data.updateSmtpSettings.passwordSet).toBe(true);

    const moved = await update({ host: '127.0.0.1', port: second.port, username: SMTP_USER });
    expect(moved.errors).toBeUndefined();
    expect(moved.data.updateSmtpSettings).toMatchObject({ port: second.port, username: SMTP_USER, passwordSet: false });
    const refused = await sendTest();
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toBe(`Could not send through 127.0.0.1:${second.port}: authentication failed.`);
    expect(second.logins).toEqual([]);
    expect(second.messages).toEqual([]);
    const [row] = await t.app.get(DataSource).query('SELECT passwordSealed FROM smtp_settings');
    expect(row.passwordSealed).toBeNull();
    const updated = (await securityEvents()).find((e) => e.type === 'SMTP_UPDATED');
    expect(JSON.parse(updated!.details!)).toMatchObject({ port: second.port, passwordChanged: true });

    // The password given again for the new server: it logs in there.
    await update({ host: '127.0.0.1', port: second.port, username: SMTP_USER, password: SMTP_PASSWORD });
    expect((await sendTest()).data?.sendTestEmail).toBe(true);
    expect(second.logins).toEqual([{ username: SMTP_USER, password: SMTP_PASSWORD }]);

    // Another host name for the same port, or another username: dropped as well.
    expect((await update({ host: 'localhost', port: second.port, username: SMTP_USER })).data.updateSmtpSettings.passwordSet).toBe(false);
    await update({ host: 'localhost', port: second.port, username: SMTP_USER, password: SMTP_PASSWORD });
    expect((await update({ host: 'localhost', port: second.port, username: 'someone-else' })).data.updateSmtpSettings.passwordSet).toBe(false);
  });

  const address = nonLoopbackAddress();
  if (!address) console.warn('smtp-credentials: this machine has no non-loopback IPv4 address; the plain-text test is skipped.');

  it.skipIf(!address)('credentials to a server that is not loopback, without TLS, are refused before AUTH (settings and SMTP_URL)', async () => {
    const remote = await server({ username: SMTP_USER, password: SMTP_PASSWORD, listenHost: '0.0.0.0' });
    const set = await update({ host: address!, port: remote.port, username: SMTP_USER, password: SMTP_PASSWORD });
    expect(set.errors).toBeUndefined();
    const refused = await sendTest();
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toBe(`Could not send through ${address}:${remote.port}: TLS failed (no STARTTLS offered, or the certificate was not accepted).`);

    // Through the queue too: the message waits, the password never leaves.
    const id = await t.app.get(MailService).enqueue({ to: 'queued@example.com', template: 'test-message', context: {}, userId: 'plain-text' });
    const failed = await eventually(async () => {
      const found = await t.app.get(DataSource).getRepository(MailOutboxEntity).findOneBy({ id });
      return found && found.attempts >= 1 ? found : null;
    }, 'a failed attempt');
    expect(failed.lastError).toMatch(/TLS failed/);
    expect(remote.logins).toEqual([]);
    expect(remote.messages).toEqual([]);

    // Without credentials there is nothing to protect: plain text to the same server is fine.
    const open = await server({ listenHost: '0.0.0.0' });
    await update({ host: address!, port: open.port, username: null, password: '' });
    expect((await sendTest()).data?.sendTestEmail).toBe(true);
    expect(open.messages).toHaveLength(1);

    // SMTP_URL follows the same rule.
    const viaUrl = await startTestApp({ env: { SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@${address}:${remote.port}` } });
    try {
      const token = await adminToken(viaUrl);
      const answer = await viaUrl.gql(SEND_TEST, { to: 'ops@example.com' }, { token });
      expect(answer.errors![0].message).toMatch(/TLS failed/);
      expect(remote.logins).toEqual([]);
    } finally {
      await viaUrl.close();
    }
  });

  it('failures are answered with a category, never the server\'s own text: not in the answer, the events or the outbox', async () => {
    const port = await closedPort();
    await update({ host: '127.0.0.1', port });
    const unreachable = await sendTest();
    expect(unreachable.errors![0].message).toBe(`Could not send through 127.0.0.1:${port}: connection refused.`);

    const hostile = await server({ banner: BANNER, rejectAll: true });
    await update({ host: '127.0.0.1', port: hostile.port });
    const rejected = await sendTest();
    expect(errorCode(rejected)).toBe('BAD_USER_INPUT');
    expect(rejected.errors![0].message).toBe(`Could not send through 127.0.0.1:${hostile.port}: the server rejected the message.`);

    const picky = await server({ username: SMTP_USER, password: SMTP_PASSWORD, banner: BANNER });
    await update({ host: '127.0.0.1', port: picky.port, username: SMTP_USER, password: 'not-the-password' });
    const denied = await sendTest();
    expect(denied.errors![0].message).toBe(`Could not send through 127.0.0.1:${picky.port}: authentication failed.`);

    // A queued message the hostile server refuses for good: what admins can read names the category only.
    await update({ host: '127.0.0.1', port: hostile.port });
    const id = await t.app.get(MailService).enqueue({ to: 'someone@example.com', template: 'test-message', context: {}, userId: 'banner-user' });
    const row = await eventually(async () => {
      const found = await t.app.get(DataSource).getRepository(MailOutboxEntity).findOneBy({ id });
      return found?.status === 'FAILED' ? found : null;
    }, 'the message to be given up');
    expect(row.lastError).toBe(`Could not send through 127.0.0.1:${hostile.port}: the server rejected the message.`);
    const events = await securityEvents();
    expect(events.filter((e) => e.type === 'MAIL_DELIVERY_FAILED').length).toBeGreaterThan(0);

    const seen = JSON.stringify([unreachable, rejected, denied, row, events]);
    for (const text of ['xyzzy', 'Postfix', 'ACME-INTERNAL', 'Relay denied', 'Invalid username', 'ECONNREFUSED', 'not-the-password']) {
      expect(seen, text).not.toContain(text);
    }
    // The servers' reply codes as words: the same digits inside an id, a port or a timestamp are chance.
    expect(seen).not.toMatch(/\b(554|535)\b/);
  });

  it('SMTP_ALLOWED_HOSTS: any other host is BAD_USER_INPUT naming host, and a stored host it does not list gets nothing', async () => {
    const relay = await server({});
    // Settings chosen before the operator set the list.
    await update({ host: '127.0.0.1', port: relay.port, username: null });
    const restricted = await startTestApp({ database: t.database, env: { SMTP_ALLOWED_HOSTS: 'localhost, 10.0.0.0/8, smtp.example.com' } });
    try {
      const token = await adminToken(restricted);
      const since = relay.messages.length;
      const blocked = await restricted.gql(SEND_TEST, { to: 'ops@example.com' }, { token });
      expect(blocked.errors![0].message).toBe(`Could not send through 127.0.0.1:${relay.port}: the host is not one the operator allows (SMTP_ALLOWED_HOSTS).`);
      expect(relay.messages.length).toBe(since);

      for (const host of ['127.0.0.1', 'evil.example.com', 'smtp.example.com.evil.net', '192.168.1.10']) {
        const refused = await restricted.gql(UPDATE, { input: { ...base, host, port: relay.port } }, { token });
        expect(refused.errors?.[0]?.extensions, host).toMatchObject({ code: 'BAD_USER_INPUT', field: 'host' });
      }
      for (const host of ['smtp.example.com', 'SMTP.Example.com', '10.20.30.40']) {
        const accepted = await restricted.gql(UPDATE, { input: { ...base, host, port: relay.port } }, { token });
        expect(accepted.errors, host).toBeUndefined();
      }
      const allowed = await restricted.gql(UPDATE, { input: { ...base, host: 'localhost', port: relay.port } }, { token });
      expect(allowed.errors).toBeUndefined();
      expect((await restricted.gql(SEND_TEST, { to: 'ops@example.com' }, { token })).data?.sendTestEmail).toBe(true);
      await relay.waitFor('ops@example.com', { since });
    } finally {
      await restricted.close();
    }
  });
});
