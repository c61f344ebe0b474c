import { addSeconds, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { conditionalUpdate } from '../../database/conditional-update';
import { insertIfAbsent, insertRows } from '../../database/insert-rows';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';

/** Codes one pending sign-in may send (the first included), so resend cannot flood a mailbox. */
export const MAX_SENDS_PER_CHALLENGE = 5;

/** Why a resend was not claimed. */
export type SendClaimRefusal = { reason: 'gone' } | { reason: 'cap' } | { reason: 'cooldown'; availableAt: Date };

/** The challenge rows: what each pending sign-in was sent, keyed by its session. */
@Injectable()
export class ChallengeStore {
  constructor(
    @InjectRepository(TwoFactorChallengeEntity) private readonly challenges: Repository<TwoFactorChallengeEntity>,
    private readonly registry: TwoFactorMethodsRegistry,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  blank(sessionId: string, userId: string, createdAt: Date, expiresAt: Date): TwoFactorChallengeEntity {
    return this.challenges.create({ sessionId, userId, createdAt, expiresAt, lastSentAt: null, sendCount: 0, sentTo: null, deliveredMethod: null });
  }

  async insert(row: TwoFactorChallengeEntity): Promise<void> {
    await insertRows(this.challenges, row);
  }

  find(sessionId: string, userId: string): Promise<TwoFactorChallengeEntity | null> {
    return this.challenges.findOneBy({ sessionId, userId });
  }

  /** The session's challenge row; recreated if it went missing (it is only bookkeeping). */
  async ensure(sessionId: string, userId: string, createdAt: Date, expiresAt: Date): Promise<TwoFactorChallengeEntity> {
    const existing = await this.find(sessionId, userId);
    if (existing) return existing;
    await insertIfAbsent(this.challenges, this.blank(sessionId, userId, createdAt, expiresAt)); // or a parallel request made it
    const row = await this.find(sessionId, userId);
    // Gone again: the sign-in was cancelled or finished meanwhile.
    if (!row) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    return row;
  }

  /**
   * Claims a resend: one conditional UPDATE, refused within the cooldown
   * after the last send and past MAX_SENDS_PER_CHALLENGE; of two racing
   * resends one sends.
   */
  async claimSend(sessionId: string, now: Date, cooldownSeconds: number): Promise<SendClaimRefusal | null> {
    const claimed = await conditionalUpdate(this.challenges, {
      set: { sendCount: () => 'sendCount + 1', lastSentAt: now },
      where: 'sessionId = :sessionId AND (lastSentAt IS NULL OR lastSentAt <= :threshold) AND sendCount < :cap',
      parameters: { sessionId, threshold: addSeconds(now, -cooldownSeconds), cap: MAX_SENDS_PER_CHALLENGE },
    });
    if (claimed > 0) return null;
    const current = await this.challenges.findOneBy({ sessionId });
    if (!current) return { reason: 'gone' };
    if (current.sendCount >= MAX_SENDS_PER_CHALLENGE) return { reason: 'cap' };
    return { reason: 'cooldown', availableAt: addSeconds(current.lastSentAt ?? now, cooldownSeconds) };
  }

  /** Gives a claimed send back (nothing was sent), unless another send came since. */
  async unclaimSend(sessionId: string, claimedAt: Date, previousLastSentAt: Date | null): Promise<void> {
    await conditionalUpdate(this.challenges, {
      set: { sendCount: () => 'CASE WHEN sendCount > 0 THEN sendCount - 1 ELSE 0 END', lastSentAt: previousLastSentAt },
      where: 'sessionId = :sessionId AND lastSentAt = :claimedAt',
      parameters: { sessionId, claimedAt },
    });
  }

  async recordDelivery(sessionId: string, method: string, sentTo: string): Promise<void> {
    await this.challenges.update({ sessionId }, { sentTo, deliveredMethod: method });
  }

  /** Voids what every method delivered for a finished challenge, and forgets it. */
  async discard(sessionId: string, userId: string): Promise<void> {
    await Promise.all([...this.registry.all().map((h) => h.cancel?.({ userId, challengeId: sessionId })), this.challenges.delete({ sessionId })]);
  }

  /** Discards every challenge of the user that may still be answered (a lockout). */
  async discardAllOf(userId: string): Promise<void> {
    const rows = await this.challenges.find({ where: { userId, expiresAt: MoreThan(this.clock.now()) }, select: { sessionId: true } });
    for (const row of rows) await this.discard(row.sessionId, userId);
  }
}
