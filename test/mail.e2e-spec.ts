import { addMinutes } from '@app/clock';
import { createServer } from 'node:net';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailOutboxEntity } from '../src/modules/mail/entities/mail-outbox.entity';
import { MailService } from '../src/modules/mail/mail.service';
import { OutgoingMail } from '../src/modules/mail/mail.types';
import { EventBus } from '../src/modules/events/event-bus';
import { adminToken, createUser, errorCode, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';

const SMTP_USER = 'twofold-mailer';
const SMTP_PASSWORD = 'smtp-Pa55word-never-shown';
const APP_NAME = 'Acme Contact Center';

const SETTINGS_FIELDS = 'configured host port secure username passwordSet fromAddress fromName updatedAt source';
const UPDATE = `mutation($input: SmtpSettingsInput!) { updateSmtpSettings(input: $input) { ${SETTINGS_FIELDS} } }`;
const SEND_TEST = `mutation($to: String!) { sendTestEmail(to: $to) }`;

/** Polls until `check` returns something truthy (the worker runs on real timers). */
async function eventually<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function code(n: number): string {
  return String(100000 + n);
}

describe('mail: templates, the admin SMTP server, the outbox', () => {
  let fallback: TestSmtpServer;
  let custom: TestSmtpServer;
  let t: TestApp;
  let admin: string;
  let userId: string;

  const outbox = () => t.app.get(DataSource).getRepository(MailOutboxEntity);
  const enqueue = (mail: OutgoingMail, app: TestApp = t) => app.app.get(MailService).enqueue(mail);
  const rowsFor = async (to: string) => {
    const rows = await outbox().find();
    return rows.filter((r) => r.userId === to);
  };
  const eventTypes = async () => {
    const events = await t.gql(`{ securityEvents(first: 100) { items { type userId actorId } } }`, {}, { token: admin });
    return events.data.securityEvents.items as Array<{ type: string; userId: string | null; actorId: string | null }>;
  };

  beforeAll(async () => {
    fallback = new TestSmtpServer();
    custom = new TestSmtpServer({ username: SMTP_USER, password: SMTP_PASSWORD, rejectRecipients: /^refused@/ });
    await fallback.start();
    await custom.start();
    t = await startTestApp({ env: { SMTP_URL: fallback.url, MAIL_FROM: 'Twofold <no-reply@example.com>', APP_NAME } });
    admin = await adminToken(t);
    userId = (await createUser(t, admin, { email: 'mail-user@example.com', password: 'mail-user-password' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await fallback?.stop();
    await custom?.stop();
  });

  it('a queued code arrives through SMTP_URL, readable in text and HTML, and leaves nothing behind', async () => {
    const since = fallback.messages.length;
    await enqueue({ to: 'reader@example.com', template: 'enrollment-code', context: { code: '314159', expiresInMinutes: 10 }, userId: 'r1' });
    const mail = await fallback.waitFor('reader@example.com', { since });
    expect(sixDigitCode(mail)).toBe('314159');
    expect(mail.html).toContain('>314159</span>');
    expect(mail.subject).toContain(APP_NAME);
    expect(mail.text).toContain(APP_NAME);
    expect(mail.from).toBe('no-reply@example.com');
    const [row] = await eventually(async () => {
      const rows = await rowsFor('r1');
      return rows[0]?.status === 'SENT' ? rows : null;
    }, 'the row to be marked sent');
    expect(row).toMatchObject({ status: 'SENT', body: null, attempts: 0, claimedBy: null });
  });

  it('GET /health reports mail without failing', async () => {
    const response = await fetch(`${t.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { mail: unknown };
    expect(body.mail).toEqual({ configured: true, source: 'SMTP_URL', queueDepth: 0, oldestWaitingSince: null });
  });

  it('with the SMTP server down, a queued code waits (sealed) and arrives after it is back, across an app restart', async () => {
    await fallback.stop();
    const since = fallback.messages.length;
    const before = fallback.countTo('mail-user@example.com');
    await enqueue({
      to: 'mail-user@example.com',
      template: 'sign-in-code',
      context: { code: '271828', expiresInMinutes: 10 },
      userId,
      expiresAt: addMinutes(t.clock.now(), 10),
    });
    const [failed] = await eventually(async () => {
      const rows = await rowsFor(userId);
      return rows[0]?.attempts >= 1 ? rows : null;
    }, 'a failed attempt');
    expect(failed.status).toBe('PENDING');
    // A category, never the library's or the server's own words.
    expect(failed.lastError).toMatch(/^Could not send through 127\.0\.0\.1:\d+: connection refused\.$/);
    expect(failed.body).toBeTruthy();
    expect(failed.body).not.toMatch(/271828|mail-user|sign-in-code/);
    expect((await eventTypes()).filter((e) => e.type === 'MAIL_DELIVERY_FAILED' && e.userId === userId)).toHaveLength(1);

    const health = (await (await fetch(`${t.url}/health`)).json()) as { status: string; mail: unknown };
    expect(health.status).toBe('ok');
    expect(health.mail).toMatchObject({ configured: true, queueDepth: 1, oldestWaitingSince: failed.createdAt.toISOString() });

    await t.restart();
    await fallback.restart();
    t.clock.advanceMinutes(1); // past the retry delay, well before the code expires
    const mail = await fallback.waitFor('mail-user@example.com', { since });
    expect(sixDigitCode(mail)).toBe('271828');
    const row = await eventually(async () => {
      const found = await outbox().findOneBy({ id: failed.id });
      return found?.status === 'SENT' ? found : null;
    }, 'the row to be marked sent');
    expect(row.body).toBeNull();
    expect(fallback.countTo('mail-user@example.com') - before).toBe(1);
  });

  it('a code replaced while the SMTP server is down is never sent: only the newest one arrives', async () => {
    await fallback.stop();
    const since = fallback.messages.length;
    const to = 'replaced-code@example.com';
    const code = (value: string) => ({
      to,
      template: 'sign-in-code' as const,
      context: { code: value, expiresInMinutes: 10 },
      userId,
      expiresAt: addMinutes(t.clock.now(), 10),
      supersedeKey: 'email-code:replaced-test',
    });
    await enqueue(code('111111'));
    // What EmailCodesService.issue does for a resend: queue the new code, then drop the older one still waiting.
    const newest = await enqueue(code('222222'));
    await t.app.get(MailService).supersede('email-code:replaced-test', newest);
    await fallback.restart();
    t.clock.advanceMinutes(1);
    const mail = await fallback.waitFor(to, { since });
    expect(sixDigitCode(mail)).toBe('222222');
    const replaced = (await outbox().findBy({ supersedeKey: 'email-code:replaced-test' })).find((row) => row.status === 'DROPPED');
    expect(replaced).toMatchObject({ dropReason: 'replaced', body: null });
    // Both rows are finished (one SENT, one DROPPED with no body): nothing is left that could still go out.
    await eventually(
      async () => (await outbox().findBy({ supersedeKey: 'email-code:replaced-test' })).map((row) => row.status).sort().join() === 'DROPPED,SENT',
      'the sent code to be marked SENT',
    );
    expect(fallback.messages.slice(since).filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('a code past its expiry is dropped, not sent late, and the reason recorded', async () => {
    await fallback.stop();
    const since = fallback.messages.length;
    await enqueue({
      to: 'late@example.com',
      template: 'sign-in-code',
      context: { code: '161803', expiresInMinutes: 10 },
      userId: 'late-user',
      expiresAt: addMinutes(t.clock.now(), 10),
    });
    const [failed] = await eventually(async () => {
      const rows = await rowsFor('late-user');
      return rows[0]?.attempts >= 1 ? rows : null;
    }, 'a failed attempt');
    t.clock.advanceMinutes(11);
    await fallback.restart();
    // A later message goes out: the worker is running, and passed the expired one first.
    await enqueue({ to: 'late@example.com', template: 'test-message', context: {}, userId: 'late-user-2' });
    await fallback.waitFor('late@example.com', { since });
    const dropped = await eventually(async () => {
      const row = await outbox().findOneBy({ id: failed.id });
      return row?.status === 'DROPPED' ? row : null;
    }, 'the expired row to be dropped');
    expect(dropped).toMatchObject({ body: null, dropReason: 'expired' });
    expect(fallback.messages.slice(since).some((m) => m.text.includes('161803'))).toBe(false);
    expect((await eventTypes()).some((e) => e.type === 'MAIL_DROPPED' && e.userId === 'late-user')).toBe(true);
  });

  it('security events queue a notice to the user; recording never fails because of mail', async () => {
    const since = fallback.messages.length;
    const events = t.app.get(EventBus);
    await events.publish({ type: 'METHOD_ENABLED', userId, details: { method: 'AUTHENTICATOR_APP' } });
    const notice = await fallback.waitFor('mail-user@example.com', { since });
    expect(notice.subject).toBe(`${APP_NAME}: two-factor authentication turned on`);
    expect(notice.text).toContain('with an authenticator app was turned on');
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // Unknown user, event without a notice: nothing queued, nothing thrown.
    await events.publish({ type: 'METHOD_DISABLED', userId: '00000000-0000-0000-0000-000000000000' });
    await events.publish({ type: 'SIGN_IN_SUCCEEDED', userId });
  });

  it('sendTestEmail sends at once through SMTP_URL', async () => {
    const since = fallback.messages.length;
    const sent = await t.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin });
    expect(sent.errors).toBeUndefined();
    expect(sent.data.sendTestEmail).toBe(true);
    expect((await fallback.waitFor('ops@example.com', { since })).subject).toBe(`${APP_NAME} test message`);
    const bad = await t.gql(SEND_TEST, { to: 'not-an-address' }, { token: admin });
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it("the admin's SMTP server replaces SMTP_URL for the next message, without a restart; the password never comes back", async () => {
    const before = await t.gql(`{ smtpSettings { ${SETTINGS_FIELDS} } }`, {}, { token: admin });
    expect(before.data.smtpSettings).toMatchObject({ configured: false, host: null, passwordSet: false, source: 'SMTP_URL' });

    const input = {
      host: '127.0.0.1',
      port: custom.port,
      secure: false,
      username: SMTP_USER,
      password: SMTP_PASSWORD,
      fromAddress: 'security@acme.example',
      fromName: 'Acme Security',
    };
    const updated = await t.gql(UPDATE, { input }, { token: admin });
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateSmtpSettings).toMatchObject({
      configured: true,
      host: '127.0.0.1',
      port: custom.port,
      secure: false,
      username: SMTP_USER,
      passwordSet: true,
      fromAddress: 'security@acme.example',
      fromName: 'Acme Security',
      source: 'settings',
    });
    const read = await t.gql(`{ smtpSettings { ${SETTINGS_FIELDS} } }`, {}, { token: admin });
    expect(read.data.smtpSettings).toEqual(updated.data.updateSmtpSettings);
    expect(JSON.stringify([updated, read])).not.toContain(SMTP_PASSWORD);
    const password = await t.gql(`{ smtpSettings { password } }`, {}, { token: admin });
    expect(errorCode(password)).toBe('GRAPHQL_VALIDATION_FAILED');

    // At rest: sealed, not in clear, anywhere in the row or in the events.
    const [row] = await t.app.get(DataSource).query('SELECT * FROM smtp_settings');
    expect(JSON.stringify(row)).not.toContain(SMTP_PASSWORD);
    expect(row.passwordSealed).toMatch(/^v1\./);
    const [events] = await t.app.get(DataSource).query(`SELECT COUNT(*) AS n FROM security_events WHERE details LIKE ?`, [`%${SMTP_PASSWORD}%`]);
    expect(Number(events.n)).toBe(0);
    const adminId = (await t.gql(`{ me { id } }`, {}, { token: admin })).data.me.id;
    expect((await eventTypes()).find((e) => e.type === 'SMTP_UPDATED')).toMatchObject({ actorId: adminId });

    const sinceFallback = fallback.messages.length;
    await enqueue({ to: 'switched@example.com', template: 'sign-in-code', context: { code: '112358' }, userId: 'switched' });
    const mail = await custom.waitFor('switched@example.com');
    expect(sixDigitCode(mail)).toBe('112358');
    expect(mail.from).toBe('security@acme.example');
    expect(mail.raw).toContain('Acme Security');
    expect(fallback.messages.length).toBe(sinceFallback);

    // Omitting the password keeps it: the next message still logs in.
    const renamed = await t.gql(UPDATE, { input: { ...input, password: undefined, fromName: 'Acme' } }, { token: admin });
    expect(renamed.data.updateSmtpSettings).toMatchObject({ passwordSet: true, fromName: 'Acme' });
    const since = custom.messages.length;
    await enqueue({ to: 'switched@example.com', template: 'sign-in-code', context: { code: '132134' }, userId: 'switched' });
    expect(sixDigitCode(await custom.waitFor('switched@example.com', { since }))).toBe('132134');
  });

  it('a message the server refuses for good is given up at once, and the admin sees it', async () => {
    await enqueue({ to: 'refused@example.com', template: 'test-message', context: {}, userId: 'refused-user' });
    const [row] = await eventually(async () => {
      const rows = await rowsFor('refused-user');
      return rows[0]?.status === 'FAILED' ? rows : null;
    }, 'the row to be given up');
    expect(row).toMatchObject({ body: null, attempts: 1, dropReason: 'delivery-failed' });
    expect(row.lastError).toBe(`Could not send through 127.0.0.1:${custom.port}: the server rejected the message.`);
    expect((await eventTypes()).filter((e) => e.type === 'MAIL_DELIVERY_FAILED' && e.userId === 'refused-user')).toHaveLength(1);
  });

  it('refuses bad settings, naming the field', async () => {
    const good = { host: 'smtp.example.com', port: 587, secure: false, fromAddress: 'no-reply@example.com' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ port: 0 }, 'port'],
      [{ port: 70000 }, 'port'],
      [{ host: 'not a host' }, 'host'],
      [{ fromAddress: 'nobody' }, 'fromAddress'],
    ];
    for (const [change, field] of cases) {
      const response = await t.gql(UPDATE, { input: { ...good, ...change } }, { token: admin });
      expect(response.errors![0].extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const read = await t.gql(`{ smtpSettings { host port } }`, {}, { token: admin });
    expect(read.data.smtpSettings).toEqual({ host: '127.0.0.1', port: custom.port });
  });

  it('sendTestEmail gives a clear error quickly for a wrong password and an unreachable port', async () => {
    const base = { host: '127.0.0.1', secure: false, fromAddress: 'security@acme.example' };
    const wrong = await t.gql(UPDATE, { input: { ...base, port: custom.port, username: SMTP_USER, password: 'wrong-password' } }, { token: admin });
    expect(wrong.errors).toBeUndefined();
    const refused = await t.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toBe(`Could not send through 127.0.0.1:${custom.port}: authentication failed.`);
    expect(refused.errors![0].message).not.toContain('wrong-password');

    const port = await closedPort();
    await t.gql(UPDATE, { input: { ...base, port } }, { token: admin });
    const unreachable = await t.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin });
    expect(errorCode(unreachable)).toBe('BAD_USER_INPUT');
    expect(unreachable.errors![0].message).toBe(`Could not send through 127.0.0.1:${port}: connection refused.`);

    // Back to the working server for what follows.
    const restored = await t.gql(UPDATE, { input: { ...base, port: custom.port, username: SMTP_USER, password: SMTP_PASSWORD } }, { token: admin });
    expect(restored.errors).toBeUndefined();
    const since = custom.messages.length;
    expect((await t.gql(SEND_TEST, { to: 'ops@example.com' }, { token: admin })).data.sendTestEmail).toBe(true);
    await custom.waitFor('ops@example.com', { since });
  });

  it('two instances on one database deliver exactly one copy of each message, both through the new settings', async () => {
    const second = await startTestApp({
      database: t.database,
      clock: t.clock,
      env: { SMTP_URL: fallback.url, MAIL_FROM: 'Twofold <no-reply@example.com>', APP_NAME },
    });
    try {
      const count = 24;
      const to = 'pair@example.com';
      const since = custom.messages.length;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          enqueue({ to, template: 'sign-in-code', context: { code: code(i) }, userId: 'pair' }, i % 2 === 0 ? t : second),
        ),
      );
      await eventually(async () => (await rowsFor('pair')).every((r) => r.status === 'SENT') && (await rowsFor('pair')).length === count, 'every row sent');
      const codes = custom.messages
        .slice(since)
        .filter((m) => m.to.includes(to))
        .map(sixDigitCode)
        .sort();
      expect(codes).toEqual(Array.from({ length: count }, (_, i) => code(i)).sort());
    } finally {
      await second.close();
    }
  });
});
