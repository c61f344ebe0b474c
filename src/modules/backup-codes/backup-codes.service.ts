import { addMinutes, Clock } from '@app/clock';
import { generateBackupCode, KeyedHasher, normalizeBackupCode } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, IsNull, MoreThan, Repository } from 'typeorm';
import { ClientInfo } from '../../common/http/request-context';
import { PolicyService } from '../policy/policy.service';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { BackupCodeIssued } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { UsersService } from '../users/users.service';
import { AdminBackupCodeEntity } from './entities/admin-backup-code.entity';
import { BackupCodeEntity } from './entities/backup-code.entity';
import { insertRows } from '../../database/insert-rows';

/** How many backup codes a user holds (CloudCX: "10 Backup Codes"). */
export const BACKUP_CODE_COUNT = 10;

export type AdminCodeCheck = { status: 'accepted'; issuedBy: string } | { status: 'refused' } | { status: 'expired' };

/**
 * Backup codes: the user's own ten and the admin-issued one. Stored as
 * salted keyed hashes of the normalised code; a check costs a few HMACs and
 * one conditional UPDATE whose affected-row count decides.
 */
@Injectable()
export class BackupCodesService {
  constructor(
    @InjectRepository(BackupCodeEntity) private readonly codes: Repository<BackupCodeEntity>,
    @InjectRepository(AdminBackupCodeEntity) private readonly adminCodes: Repository<AdminBackupCodeEntity>,
    private readonly hasher: KeyedHasher,
    private readonly users: UsersService,
    private readonly policy: PolicyService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Ten new codes replacing all of the user's own, inside the caller's
   * transaction. Returned in display form (xxxxx-xxxxx): the only time they exist in clear.
   */
  async replaceAll(manager: EntityManager, userId: string, now: Date): Promise<string[]> {
    const repo = manager.getRepository(BackupCodeEntity);
    const codes = new Set<string>();
    while (codes.size < BACKUP_CODE_COUNT) codes.add(generateBackupCode());
    await repo.delete({ userId });
    await insertRows(
      repo,
      [...codes].map((code) => {
        const salt = this.hasher.newSalt();
        return { id: randomUUID(), userId, salt, codeDigest: this.hasher.saltedDigest(normalizeBackupCode(code)!, salt), createdAt: now, usedAt: null };
      }),
    );
    return [...codes];
  }

  /** Unused codes of the user's own ten. */
  remaining(userId: string): Promise<number> {
    return this.codes.countBy({ userId, usedAt: IsNull() });
  }

  /** Whether the user can answer with a backup code now: an unused own code or a live admin code. */
  async hasUsable(userId: string): Promise<boolean> {
    if ((await this.remaining(userId)) > 0) return true;
    return (await this.adminCodes.countBy({ userId, usedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) })) > 0;
  }

  /** Uses one of the user's own codes if `normalized` is one. */
  async consumeOwn(userId: string, normalized: string, now: Date): Promise<boolean> {
    const rows = await this.codes.find({ where: { userId, usedAt: IsNull() }, select: { id: true, salt: true, codeDigest: true } });
    let matched: string | null = null;
    // Every row is hashed and compared, so timing does not tell which one matched.
    for (const row of rows) {
      if (this.hasher.verifySalted(normalized, row.salt, row.codeDigest)) matched = row.id;
    }
    if (!matched) return false;
    const result = await this.codes.update({ id: matched, userId, usedAt: IsNull() }, { usedAt: now });
    return (result.affected ?? 0) === 1;
  }

  /**
   * A one-time code for `userId`, valid adminBackupCodeTtlMinutes, replacing
   * any earlier one. The user's methods stay as they are.
   */
  async issueAdminCode(userId: string, actorId: string, client: ClientInfo): Promise<{ code: string; expiresAt: Date }> {
    // An admin who lost their own factor asks another admin (or the operator's --reset-2fa): never themselves.
    if (userId === actorId) throw new DomainException(ErrorCode.FORBIDDEN, 'An admin cannot issue a backup code for their own account: ask another admin.');
    const user = await this.users.getById(userId);
    const { adminBackupCodeTtlMinutes } = await this.policy.get();
    const now = this.clock.now();
    const code = generateBackupCode();
    const salt = this.hasher.newSalt();
    const expiresAt = addMinutes(now, adminBackupCodeTtlMinutes);
    await this.adminCodes.upsert(
      {
        userId: user.id,
        salt,
        codeDigest: this.hasher.saltedDigest(normalizeBackupCode(code)!, salt),
        issuedBy: actorId,
        createdAt: now,
        expiresAt,
        usedAt: null,
      },
      ['userId'],
    );
    await this.events.publish(new BackupCodeIssued({ userId: user.id, actorId, client, details: { expiresInMinutes: adminBackupCodeTtlMinutes } }));
    return { code, expiresAt };
  }

  /** Uses the admin-issued code if `normalized` is it; 'expired' only for the right code past its expiry. */
  async consumeAdmin(userId: string, normalized: string, now: Date): Promise<AdminCodeCheck> {
    const row = await this.adminCodes.findOneBy({ userId });
    if (!row || row.usedAt !== null) return { status: 'refused' };
    if (!this.hasher.verifySalted(normalized, row.salt, row.codeDigest)) return { status: 'refused' };
    if (row.expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    const result = await this.adminCodes
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('userId = :userId', { userId })
      .andWhere('codeDigest = :digest', { digest: row.codeDigest })
      .andWhere('usedAt IS NULL')
      .andWhere('expiresAt > :now', { now })
      .execute();
    return (result.affected ?? 0) === 1 ? { status: 'accepted', issuedBy: row.issuedBy } : { status: 'refused' };
  }

  /** Deletes the user's own codes and any admin-issued code (last method off, admin reset): no gap locks under READ COMMITTED. */
  async deleteAll(userId: string, manager?: EntityManager): Promise<void> {
    const m = manager ?? this.codes.manager;
    await m.getRepository(BackupCodeEntity).delete({ userId });
    await m.getRepository(AdminBackupCodeEntity).delete({ userId });
  }
}
