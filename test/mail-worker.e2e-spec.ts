import { addSeconds } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailOutboxEntity, MailOutboxStatus } from '../src/modules/mail/entities/mail-outbox.entity';
import { MailService, outboxSealContext } from '../src/modules/mail/mail.service';
import { OutgoingMail } from '../src/modules/mail/mail.types';
import { CLAIM_LEASE_SECONDS, FIRST_RETRY_SECONDS, MailWorker } from '../src/modules/mail/mail.worker';
import { SecurityEventEntity } from '../src/modules/security-events/entities/security-event.entity';
import { startTestApp, TestApp } from './support/app';
import { TestSmtpServer } from './support/smtp';
import { waitUntil } from './support/wait';

/**
 * The mail worker's slow paths, on the test clock and a real SMTP server:
 * a crashed instance's claim, giving up, purging, a message nobody can read
 * or render. The worker's own timer polls once a minute (MAIL_POLL_MS=60000),
 * so the test drives the passes (MailWorker.runOnce) and waits on the rows.
 */
/** The documented limits, written out: a test that read them from the code would follow a wrong change. */
const GIVE_UP_AFTER_HOURS = 24;
const KEEP_FINISHED_DAYS = 7;

describe('mail worker', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let outbox: Repository<MailOutboxEntity>;
  let worker: MailWorker;
  let n = 0;

  beforeAll(async () => {
    smtp = new TestSmtpServer({ deferRecipients: /^deferred/ });
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, MAIL_POLL_MS: '60000' } });
    outbox = t.app.get(DataSource).getRepository(MailOutboxEntity);
    worker = t.app.get(MailWorker);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  /** A notice (no expiry of its own) to a new address; `userId` names it in the rows and events. */
  const notice = (prefix = 'notice'): OutgoingMail & { userId: string } => {
    const id = `${prefix}-${++n}`;
    return { to: `${id}@example.com`, template: 'test-message', context: {}, userId: id };
  };
  const row = async (id: string) => (await outbox.findOneBy({ id }))!;
  /** Runs passes until the row leaves PENDING (another pass, the worker's own, may hold it meanwhile). */
  const settled = async (id: string) => {
    await waitUntil(`message ${id} to leave PENDING`, async () => {
      await worker.runOnce();
      return (await row(id)).status !== MailOutboxStatus.PENDING;
    });
    return row(id);
  };
  const events = async (userId: string) => {
    const rows = await t.app.get(DataSource).getRepository(SecurityEventEntity).find({ where: { userId }, order: { id: 'ASC' } });
    return rows.map((e) => ({ type: e.type, details: e.details ? JSON.parse(e.details) : null }));
  };
  /** A row written as the queue writes it, with any sealed body (for what enqueue refuses to write). */
  const insert = async (userId: string, body: (id: string) => string) => {
    const id = randomUUID();
    const now = t.clock.now();
    await outbox.insert({
      id,
      status: MailOutboxStatus.PENDING,
      body: body(id),
      userId,
      createdAt: now,
      nextAttemptAt: now,
      expiresAt: null,
      attempts: 0,
      claimedBy: null,
      claimedUntil: null,
      lastError: null,
      sentAt: null,
      finishedAt: null,
      dropReason: null,
      supersedeKey: null,
    });
    return id;
  };
  const unreadable = (userId: string) =>
    // Sealed under an APP_SECRET this instance does not know (replaced without APP_SECRET_PREVIOUS).
    insert(userId, (id) => new SecretSealer(randomBytes(32)).seal(JSON.stringify({ to: `${userId}@example.com`, template: 'test-message', context: {} }), outboxSealContext(id)));
  const unrenderable = (userId: string) =>
    // Readable, but its template is gone (removed by an upgrade while the message waited).
    insert(userId, (id) => t.app.get(SecretSealer).seal(JSON.stringify({ to: `${userId}@example.com`, template: 'retired-template', context: {} }), outboxSealContext(id)));

  it("a message claimed by an instance that crashed is sent once that claim lapses, and only then", async () => {
    const mail = notice('crashed');
    const dataSource = t.app.get(DataSource);
    // Queued and claimed in one transaction, as an instance that died right after its claim left it.
    const id = await dataSource.transaction(async (manager) => {
      const queued = await t.app.get(MailService).enqueue(mail, manager);
      await manager.getRepository(MailOutboxEntity).update(
        { id: queued },
        { claimedBy: 'crashed-host:4242:deadbeef', claimedUntil: addSeconds(t.clock.now(), CLAIM_LEASE_SECONDS) },
      );
      return queued;
    });

    await worker.runOnce();
    t.clock.advanceSeconds(CLAIM_LEASE_SECONDS - 1);
    await worker.runOnce();
    expect(await row(id)).toMatchObject({ status: MailOutboxStatus.PENDING, claimedBy: 'crashed-host:4242:deadbeef', attempts: 0 });
    expect(smtp.countTo(mail.to)).toBe(0);

    t.clock.advanceSeconds(2);
    expect(await settled(id)).toMatchObject({ status: MailOutboxStatus.SENT, claimedBy: null, body: null });
    await smtp.waitFor(mail.to);
    expect(smtp.countTo(mail.to)).toBe(1);
  });

  it('a notice the server keeps deferring is retried with backoff, then given up after 24 hours', async () => {
    const mail = notice('deferred');
    const id = await t.app.get(MailService).enqueue(mail);
    const created = t.clock.now();

    await waitUntil('the first attempt', async () => {
      await worker.runOnce();
      return (await row(id)).attempts === 1;
    });
    expect(await row(id)).toMatchObject({
      status: MailOutboxStatus.PENDING,
      nextAttemptAt: addSeconds(created, FIRST_RETRY_SECONDS),
      lastError: expect.stringMatching(/for now/),
    });
    expect(await events(mail.userId)).toEqual([
      { type: 'MAIL_DELIVERY_FAILED', details: expect.objectContaining({ messageId: id, attempts: 1, final: false }) },
    ]);

    // An hour short of the limit: still tried again.
    t.clock.advanceMinutes((GIVE_UP_AFTER_HOURS - 1) * 60);
    await waitUntil('the second attempt', async () => {
      await worker.runOnce();
      return (await row(id)).attempts === 2;
    });
    expect((await row(id)).status).toBe(MailOutboxStatus.PENDING);

    // The first attempt after 24 hours is the last.
    t.clock.advanceMinutes(60);
    expect(await settled(id)).toMatchObject({ status: MailOutboxStatus.FAILED, dropReason: 'delivery-failed', attempts: 3, body: null });
    expect((await events(mail.userId)).at(-1)).toEqual({
      type: 'MAIL_DELIVERY_FAILED',
      details: expect.objectContaining({ messageId: id, attempts: 3, final: true, template: 'test-message' }),
    });
    expect(smtp.countTo(mail.to)).toBe(0);
  });

  it('a message nobody can decrypt any more is dropped as unreadable and recorded, not retried', async () => {
    const userId = `unreadable-${++n}`;
    const id = await unreadable(userId);
    expect(await settled(id)).toMatchObject({ status: MailOutboxStatus.DROPPED, dropReason: 'unreadable', body: null, claimedBy: null });
    expect(await events(userId)).toEqual([{ type: 'MAIL_DROPPED', details: expect.objectContaining({ messageId: id, reason: 'unreadable', template: null }) }]);
    expect(smtp.countTo(`${userId}@example.com`)).toBe(0);
  });

  it('a message that cannot be rendered fails for good at its first attempt and is recorded', async () => {
    const userId = `unrenderable-${++n}`;
    const id = await unrenderable(userId);
    expect(await settled(id)).toMatchObject({
      status: MailOutboxStatus.FAILED,
      dropReason: 'delivery-failed',
      attempts: 1,
      body: null,
      lastError: expect.stringMatching(/^Could not render the message/),
    });
    expect(await events(userId)).toEqual([
      { type: 'MAIL_DELIVERY_FAILED', details: expect.objectContaining({ messageId: id, template: 'retired-template', attempts: 1, final: true }) },
    ]);
    expect(smtp.countTo(`${userId}@example.com`)).toBe(0);
  });

  it(`finished messages are purged ${KEEP_FINISHED_DAYS} days after they finished, not after they were queued`, async () => {
    // Old: one sent, one dropped, one failed, all finished now. Late: queued now too, but the server keeps deferring it.
    const sentMail = notice('purge-sent');
    const oldSent = await t.app.get(MailService).enqueue(sentMail);
    const oldDropped = await unreadable(`purge-dropped-${++n}`);
    const oldFailed = await unrenderable(`purge-failed-${++n}`);
    const late = await t.app.get(MailService).enqueue(notice('deferred-purge'));
    for (const id of [oldSent, oldDropped, oldFailed]) expect((await settled(id)).status).not.toBe(MailOutboxStatus.PENDING);
    await smtp.waitFor(sentMail.to);

    // Young: finished two minutes later.
    t.clock.advanceMinutes(2);
    const youngSent = await t.app.get(MailService).enqueue(notice('purge-young'));
    const youngDropped = await unreadable(`purge-young-dropped-${++n}`);
    for (const id of [youngSent, youngDropped]) expect((await settled(id)).status).not.toBe(MailOutboxStatus.PENDING);

    // One minute past the old ones' seven days. The late one is given up at its next attempt: finished now.
    t.clock.advanceMinutes(KEEP_FINISHED_DAYS * 24 * 60 - 2 + 1);
    expect(await settled(late)).toMatchObject({ status: MailOutboxStatus.FAILED, finishedAt: t.clock.now() });
    // The purge runs once an hour of polling: passes until the old ones are gone.
    await waitUntil('the purge', async () => {
      await worker.runOnce();
      return (await outbox.countBy([{ id: oldSent }, { id: oldDropped }, { id: oldFailed }])) === 0;
    });
    const kept = await outbox.findBy([{ id: youngSent }, { id: youngDropped }, { id: late }]);
    expect(kept.map((r) => r.id).sort()).toEqual([youngSent, youngDropped, late].sort());
  });
});
