import { addMinutes, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
import { insertRows } from '../../../database/insert-rows';
import { WebAuthnChallengeEntity, WebAuthnChallengePurpose } from './entities/webauthn-challenge.entity';
import { CHALLENGE_MINUTES, newChallenge } from './webauthn-protocol';

/** What a challenge must have been issued for: every given field must match. */
export interface ChallengeBinding {
  purpose: WebAuthnChallengePurpose;
  id?: string;
  userId?: string;
  sessionId?: string;
}

/** Consumes the challenges a response may answer; see WebAuthnChallengeEntity. */
export interface ChallengeConsumer {
  consume(challenge: string, binding: ChallengeBinding): Promise<boolean>;
}

/** Server-side WebAuthn challenges: issued with 5 minutes to live, each answered once. */
@Injectable()
export class WebAuthnChallenges implements ChallengeConsumer {
  constructor(
    @InjectRepository(WebAuthnChallengeEntity) private readonly challenges: Repository<WebAuthnChallengeEntity>,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async issue(purpose: WebAuthnChallengePurpose, userId: string | null, sessionId: string | null): Promise<WebAuthnChallengeEntity> {
    const now = this.clock.now();
    const row: WebAuthnChallengeEntity = {
      id: randomUUID(),
      challenge: newChallenge(),
      purpose,
      userId,
      sessionId,
      createdAt: now,
      expiresAt: addMinutes(now, CHALLENGE_MINUTES),
    };
    await insertRows(this.challenges, row);
    return row;
  }

  /**
   * The pending sign-in's live second-factor challenge, or a new one: reading
   * TwoFactorChallenge.passkeyOptions twice gives the same options until they
   * are answered (or expire).
   */
  async forPendingSession(sessionId: string, userId: string): Promise<WebAuthnChallengeEntity> {
    const live = await this.challenges.findOne({
      where: { sessionId, userId, purpose: 'second-factor', expiresAt: MoreThan(this.clock.now()) },
      order: { createdAt: 'DESC' },
    });
    return live ?? this.issue('second-factor', userId, sessionId);
  }

  /**
   * Ends the challenge if it is live and was issued for `binding`: one
   * conditional DELETE whose affected-row count decides, so of two requests
   * answering the same challenge one gets true.
   */
  async consume(challenge: string, binding: ChallengeBinding): Promise<boolean> {
    const query = this.challenges
      .createQueryBuilder()
      .delete()
      .where('challenge = :challenge AND purpose = :purpose AND expiresAt > :now', { challenge, purpose: binding.purpose, now: this.clock.now() });
    if (binding.id !== undefined) query.andWhere('id = :id', { id: binding.id });
    if (binding.userId !== undefined) query.andWhere('userId = :userId', { userId: binding.userId });
    if (binding.sessionId !== undefined) query.andWhere('sessionId = :sessionId', { sessionId: binding.sessionId });
    const result = await query.execute();
    return (result.affected ?? 0) === 1;
  }

  /** The challenges issued for a session that ended (cancelled sign-in, lockout) or a user reset. */
  async deleteForUser(userId: string): Promise<void> {
    await this.challenges.delete({ userId });
  }
}
