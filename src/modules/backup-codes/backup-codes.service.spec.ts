import { ManualClock } from '@app/clock';
import { KeyedHasher, normalizeBackupCode } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, Not, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase, recordingEvents } from '../../../test/support/memory-database';
import { DEFAULT_POLICY } from '../policy/policy.types';
import { BackupCodeMethodHandler } from './backup-code-method.handler';
import { BACKUP_CODE_COUNT, BackupCodesService } from './backup-codes.service';
import { AdminBackupCodeEntity } from './entities/admin-backup-code.entity';
import { BackupCodeEntity } from './entities/backup-code.entity';

/** Runs `hook` after each read of the repository's findOneBy: what another request does between a read and the UPDATE. */
function interleaved<T extends object>(repo: Repository<T>, hook: () => Promise<void>): Repository<T> {
  return new Proxy(repo, {
    get(target, key, receiver) {
      if (key !== 'findOneBy') return Reflect.get(target, key, receiver);
      return async (where: never) => {
        const found = await target.findOneBy(where);
        await hook();
        return found;
      };
    },
  });
}

/**
 * Backup codes (the user's ten and the admin-issued one) on the in-memory
 * database: single use decided by a conditional UPDATE, expiry, and the
 * BACKUP_CODE method that answers with them.
 */
describe('BackupCodesService and the BACKUP_CODE method', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  const client = { ip: '203.0.113.7', userAgent: 'test' };
  const policy = { ...DEFAULT_POLICY, adminBackupCodeTtlMinutes: 30, updatedAt: new Date(0) };
  let source: DataSource;
  let codeRepo: Repository<BackupCodeEntity>;
  let adminRepo: Repository<AdminBackupCodeEntity>;
  let hasher: KeyedHasher;
  let clock: ManualClock;
  let events: ReturnType<typeof recordingEvents>;
  let codes: BackupCodesService;
  let handler: BackupCodeMethodHandler;
  let user: string;
  let n = 0;

  const serviceWith = (adminCodes: Repository<AdminBackupCodeEntity>, own: Repository<BackupCodeEntity> = codeRepo) =>
    new BackupCodesService(
      own,
      adminCodes,
      hasher,
      { getById: async (id: string) => ({ id, email: `${id}@example.com` }) } as never,
      { get: async () => policy } as never,
      events as never,
      clock,
    );

  beforeAll(async () => {
    source = await memoryDatabase([BackupCodeEntity, AdminBackupCodeEntity]);
    codeRepo = source.getRepository(BackupCodeEntity);
    adminRepo = source.getRepository(AdminBackupCodeEntity);
    hasher = new KeyedHasher(randomBytes(32));
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    clock = new ManualClock(START);
    events = recordingEvents();
    codes = serviceWith(adminRepo);
    handler = new BackupCodeMethodHandler(codes, events as never);
    user = `user-${++n}`;
  });

  const now = () => clock.now();
  const norm = (code: string) => normalizeBackupCode(code)!;
  const own = async (userId = user) => codes.replaceAll(source.manager, userId, now());
  const verify = (code: string, userId = user) =>
    handler.verify({ userId, challengeId: 'c1', code: handler.normalizeCode(code) ?? '', now: now(), policy, client });
  const issue = (userId = user, actor = 'admin-1') => codes.issueAdminCode(userId, actor, client);

  it('ten codes, shown once in display form, stored only as salted digests', async () => {
    expect(BACKUP_CODE_COUNT).toBe(10);
    const list = await own();
    expect(list).toHaveLength(10);
    expect(new Set(list).size).toBe(10);
    for (const code of list) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    const rows = await codeRepo.findBy({ userId: user });
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.salt)).size).toBe(10);
    for (const row of rows) {
      expect(row).toMatchObject({ userId: user, createdAt: now(), usedAt: null });
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(list.some((code) => hasher.verifySalted(norm(code), row.salt, row.codeDigest))).toBe(true);
      expect(list.some((code) => row.codeDigest.includes(norm(code)))).toBe(false);
    }
    expect(await codes.remaining(user)).toBe(10);
  });

  it('new codes replace all the old ones', async () => {
    const old = await own();
    const fresh = await own();
    expect(await codeRepo.countBy({ userId: user })).toBe(10);
    expect(await codes.consumeOwn(user, norm(old[0]), now())).toBe(fresh.includes(old[0]));
    expect(await codes.consumeOwn(user, norm(fresh[0]), now())).toBe(true);
  });

  it('each code works once, in any of its written forms; others and other users\' are refused', async () => {
    const list = await own();
    const other = await own(`${user}-other`);
    expect(await codes.consumeOwn(user, norm(list[3].toUpperCase().replace('-', ' ')), now())).toBe(true);
    expect(await codeRepo.findOneBy({ userId: user, usedAt: Not(IsNull()) })).toMatchObject({ usedAt: now() });
    expect(await codes.consumeOwn(user, norm(list[3]), now())).toBe(false);
    expect(await codes.consumeOwn(user, norm(other[0]), now())).toBe(false);
    expect(await codes.consumeOwn(user, 'ZZZZZZZZZZ', now())).toBe(false);
    expect(await codes.remaining(user)).toBe(9);
    expect(await codes.remaining(`${user}-other`)).toBe(10);
    // The last code of the list is found too (every row is compared).
    expect(await codes.consumeOwn(user, norm(list[9]), now())).toBe(true);
    expect(await codes.consumeOwn(user, norm(list[0]), now())).toBe(true);
  });

  it('of two uses of one code at once, exactly one wins (the conditional UPDATE decides)', async () => {
    const [code] = await own();
    const results = await Promise.all([codes.consumeOwn(user, norm(code), now()), codes.consumeOwn(user, norm(code), now())]);
    expect(results.sort()).toEqual([false, true]);
    expect(await codes.remaining(user)).toBe(9);
  });

  it('hasUsable: an unused own code, or a live admin-issued code', async () => {
    expect(await codes.hasUsable(user)).toBe(false);
    const list = await own();
    expect(await codes.hasUsable(user)).toBe(true);
    for (const code of list) await codes.consumeOwn(user, norm(code), now());
    expect(await codes.remaining(user)).toBe(0);
    expect(await codes.hasUsable(user)).toBe(false);
    await issue();
    expect(await codes.hasUsable(user)).toBe(true);
    clock.advance(30 * 60_000 - 1);
    expect(await codes.hasUsable(user)).toBe(true);
    clock.advance(1);
    expect(await codes.hasUsable(user)).toBe(false);
    const { code } = await issue();
    await codes.consumeAdmin(user, norm(code), now());
    expect(await codes.hasUsable(user)).toBe(false);
  });

  it('an admin-issued code: valid 30 minutes, replacing any earlier one, recorded as BACKUP_CODE_ISSUED', async () => {
    const first = await issue();
    expect(first.code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    expect(first.expiresAt).toEqual(new Date(START + 30 * 60_000));
    expect(events.published).toEqual([
      { type: 'BACKUP_CODE_ISSUED', userId: user, actorId: 'admin-1', client, details: { expiresInMinutes: 30 } },
    ]);
    const row = (await adminRepo.findOneBy({ userId: user }))!;
    expect(row).toMatchObject({ issuedBy: 'admin-1', createdAt: now(), expiresAt: first.expiresAt, usedAt: null });
    expect(hasher.verifySalted(norm(first.code), row.salt, row.codeDigest)).toBe(true);
    const second = await issue(user, 'admin-2');
    expect(await adminRepo.countBy({ userId: user })).toBe(1);
    expect(await codes.consumeAdmin(user, norm(first.code), now())).toEqual({ status: 'refused' });
    expect(await codes.consumeAdmin(user, norm(second.code), now())).toEqual({ status: 'accepted', issuedBy: 'admin-2' });
    expect(await codes.consumeAdmin(user, norm(second.code), now())).toEqual({ status: 'refused' });
  });

  it('an admin cannot issue a code for their own account', async () => {
    await expect(issue(user, user)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'An admin cannot issue a backup code for their own account: ask another admin.',
    });
    expect(await adminRepo.countBy({ userId: user })).toBe(0);
    expect(events.published).toEqual([]);
  });

  it('an admin-issued code past its 30 minutes is expired; a wrong one is only refused', async () => {
    const { code } = await issue();
    clock.advance(30 * 60_000 - 1);
    expect(await codes.consumeAdmin(user, 'ZZZZZZZZZZ', now())).toEqual({ status: 'refused' });
    clock.advance(1);
    expect(await codes.consumeAdmin(user, norm(code), now())).toEqual({ status: 'expired' });
    expect(await codes.consumeAdmin(user, 'ZZZZZZZZZZ', now())).toEqual({ status: 'refused' });
    expect(await codes.consumeAdmin(`${user}-none`, norm(code), now())).toEqual({ status: 'refused' });
  });

  it('a used admin-issued code stays refused after its expiry (never "expired")', async () => {
    const { code } = await issue();
    expect(await codes.consumeAdmin(user, norm(code), now())).toMatchObject({ status: 'accepted' });
    clock.advanceMinutes(31);
    expect(await codes.consumeAdmin(user, norm(code), now())).toEqual({ status: 'refused' });
  });

  it('a minute before its expiry it is accepted', async () => {
    const { code } = await issue();
    clock.advanceMinutes(29);
    expect(await codes.consumeAdmin(user, norm(code), now())).toEqual({ status: 'accepted', issuedBy: 'admin-1' });
    expect(await adminRepo.findOneBy({ userId: user })).toMatchObject({ usedAt: now() });
  });

  it('the UPDATE decides: used, replaced or expired between the read and the write, the code is refused', async () => {
    for (const meanwhile of [
      (): Promise<unknown> => adminRepo.update({ userId: user }, { usedAt: now() }),
      (): Promise<unknown> => adminRepo.update({ userId: user }, { codeDigest: 'f'.repeat(64) }),
      (): Promise<unknown> => adminRepo.update({ userId: user }, { expiresAt: now() }),
    ]) {
      const { code } = await issue();
      const racing = serviceWith(interleaved(adminRepo, async () => void (await meanwhile())));
      expect(await racing.consumeAdmin(user, norm(code), now())).toEqual({ status: 'refused' });
    }
    const { code } = await issue();
    const untouched = serviceWith(interleaved(adminRepo, async () => undefined));
    expect(await untouched.consumeAdmin(user, norm(code), now())).toEqual({ status: 'accepted', issuedBy: 'admin-1' });
  });

  it('an own code used between the read and the write is refused', async () => {
    const [code] = await own();
    const racing = new Proxy(codeRepo, {
      get(target, key, receiver) {
        if (key !== 'find') return Reflect.get(target, key, receiver);
        return async (options: never) => {
          const rows = await target.find(options);
          await target.update({ userId: user }, { usedAt: now() });
          return rows;
        };
      },
    });
    expect(await serviceWith(adminRepo, racing).consumeOwn(user, norm(code), now())).toBe(false);
  });

  it('deleteAll removes the user\'s own and admin-issued codes, and nobody else\'s', async () => {
    await own();
    await issue();
    await own(`${user}-other`);
    await issue(`${user}-other`);
    await codes.deleteAll(user);
    expect(await codeRepo.countBy({ userId: user })).toBe(0);
    expect(await adminRepo.countBy({ userId: user })).toBe(0);
    expect(await codeRepo.countBy({ userId: `${user}-other` })).toBe(10);
    await source.transaction(async (manager) => codes.deleteAll(`${user}-other`, manager));
    expect(await codeRepo.countBy({ userId: `${user}-other` })).toBe(0);
    expect(await adminRepo.countBy({ userId: `${user}-other` })).toBe(0);
  });

  describe('BACKUP_CODE', () => {
    it('is a fallback, never a method on its own', () => {
      expect(handler.method).toBe('BACKUP_CODE');
      expect(handler.primary).toBe(false);
    });

    it('is enabled while the user holds a usable code', async () => {
      expect(await handler.isEnabled(user)).toBe(false);
      await issue();
      expect(await handler.isEnabled(user)).toBe(true);
    });

    it('normalises what was typed; refuses what cannot be a code, and anything over 64 characters', () => {
      expect(handler.normalizeCode('abcde-fghjk')).toBe('ABCDEFGHJK');
      expect(handler.normalizeCode(`${'-'.repeat(54)}abcdefghjk`)).toBe('ABCDEFGHJK');
      expect(handler.normalizeCode(`${'-'.repeat(55)}abcdefghjk`)).toBeNull();
      expect(handler.normalizeCode('abcde')).toBeNull();
      expect(handler.normalizeCode(12 as unknown as string)).toBeNull();
    });

    it('an own code: accepted and recorded as BACKUP_CODE_USED, not admin-issued', async () => {
      const [code] = await own();
      expect(await verify(code)).toEqual({ status: 'accepted' });
      expect(events.published).toEqual([
        { type: 'BACKUP_CODE_USED', userId: user, actorId: undefined, client, details: { method: 'BACKUP_CODE', adminIssued: false } },
      ]);
      expect(await verify(code)).toEqual({ status: 'refused' });
      expect(events.published).toHaveLength(1);
    });

    it('an admin-issued code: accepted, names its admin, and never trusts the device', async () => {
      await own();
      const { code } = await issue();
      events.published.length = 0;
      expect(await verify(code)).toEqual({ status: 'accepted', trustsDevice: false });
      expect(events.published).toEqual([
        { type: 'BACKUP_CODE_USED', userId: user, actorId: 'admin-1', client, details: { method: 'BACKUP_CODE', adminIssued: true, issuedBy: 'admin-1' } },
      ]);
    });

    it('a wrong or expired code is answered as such, and nothing is recorded', async () => {
      await own();
      const { code } = await issue();
      events.published.length = 0;
      expect(await verify('zzzzz-zzzzz')).toEqual({ status: 'refused' });
      clock.advanceMinutes(30);
      expect(await verify(code)).toEqual({ status: 'expired' });
      expect(events.published).toEqual([]);
    });

    it('disable deletes every code of the user', async () => {
      await own();
      await issue();
      await handler.disable(user);
      expect(await codes.hasUsable(user)).toBe(false);
      expect(await adminRepo.countBy({ userId: user })).toBe(0);
    });
  });
});
