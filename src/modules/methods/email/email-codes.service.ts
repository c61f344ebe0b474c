import { addMinutes } from '@app/clock';
import { KeyedHasher, randomDigits } from '@app/crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, Repository } from 'typeorm';
import { MailService } from '../../mail/mail.service';
import { MailTemplateName } from '../../mail/mail.types';
import { EmailCodeEntity } from './email-code.entity';

export type EmailCodePurpose = 'sign-in' | 'enrollment';

const TEMPLATES: Record<EmailCodePurpose, MailTemplateName> = {
  'sign-in': 'sign-in-code',
  enrollment: 'enrollment-code',
};

export interface IssueEmailCode {
  userId: string;
  email: string;
  challengeId: string;
  purpose: EmailCodePurpose;
  ttlMinutes: number;
  now: Date;
}

export interface CheckEmailCode {
  userId: string;
  challengeId: string;
  purpose: EmailCodePurpose;
  /** Six digits, already normalised. */
  code: string;
  now: Date;
}

export type EmailCodeCheck = 'accepted' | 'refused' | 'expired';

/** Emailed six-digit codes: issued with their message in one transaction, used once. */
@Injectable()
export class EmailCodesService {
  constructor(
    @InjectRepository(EmailCodeEntity) private readonly codes: Repository<EmailCodeEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: KeyedHasher,
    private readonly mail: MailService,
  ) {}

  /**
   * A new code for the challenge, replacing its previous one, and the message
   * that carries it, written in the same transaction (sent if and only if the
   * code is stored). Returns when the code expires.
   */
  async issue(input: IssueEmailCode): Promise<Date> {
    const code = randomDigits(6);
    const salt = this.hasher.newSalt();
    const expiresAt = addMinutes(input.now, input.ttlMinutes);
    const supersedeKey = `email-code:${input.challengeId}`;
    const messageId = await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(EmailCodeEntity).upsert(
        {
          challengeId: input.challengeId,
          userId: input.userId,
          purpose: input.purpose,
          salt,
          codeDigest: this.hasher.saltedDigest(code, salt),
          createdAt: input.now,
          expiresAt,
          consumedAt: null,
        },
        ['challengeId'],
      );
      return this.mail.enqueue(
        {
          to: input.email,
          template: TEMPLATES[input.purpose],
          context: { code, expiresInMinutes: input.ttlMinutes },
          userId: input.userId,
          expiresAt,
          supersedeKey,
        },
        manager,
      );
    });
    // A resend replaces the code: its older message, if still waiting (an SMTP outage), is not sent.
    await this.mail.supersede(supersedeKey, messageId);
    await this.pruneFor(input.userId, input.challengeId, input.now);
    return expiresAt;
  }

  /**
   * Uses the challenge's code if `code` is it: one HMAC, then a conditional
   * UPDATE (still unused, unexpired, same code) whose affected-row count
   * decides, so of two racing requests one wins. 'expired' only for the
   * right code past its expiry.
   */
  async check(input: CheckEmailCode): Promise<EmailCodeCheck> {
    const row = await this.codes.findOneBy({ challengeId: input.challengeId });
    if (!row || row.userId !== input.userId || row.purpose !== input.purpose || row.consumedAt !== null) return 'refused';
    if (!this.hasher.verifySalted(input.code, row.salt, row.codeDigest)) return 'refused';
    if (row.expiresAt.getTime() <= input.now.getTime()) return 'expired';
    const result = await this.codes
      .createQueryBuilder()
      .update()
      .set({ consumedAt: input.now })
      .where('challengeId = :challengeId', { challengeId: input.challengeId })
      .andWhere('userId = :userId', { userId: input.userId })
      .andWhere('codeDigest = :digest', { digest: row.codeDigest })
      .andWhere('consumedAt IS NULL')
      .andWhere('expiresAt > :now', { now: input.now })
      .execute();
    return (result.affected ?? 0) === 1 ? 'accepted' : 'refused';
  }

  /** Voids the challenge's code (sign-in cancelled, enrollment restarted). */
  async discard(challengeId: string): Promise<void> {
    await this.codes.delete({ challengeId });
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.codes.delete({ userId });
  }

  /** Drops the user's used and expired codes: the table holds live codes only, more or less. */
  private async pruneFor(userId: string, keepChallengeId: string, now: Date): Promise<void> {
    await this.codes
      .createQueryBuilder()
      .delete()
      .where('userId = :userId', { userId })
      .andWhere('challengeId <> :keep', { keep: keepChallengeId })
      .andWhere(new Brackets((q) => q.where('consumedAt IS NOT NULL').orWhere('expiresAt <= :now', { now })))
      .execute();
  }
}
