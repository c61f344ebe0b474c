import { addSeconds, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { TwoFactorPolicy } from '../policy/policy.types';
import { TwoFactorCodeSendsEntity } from './entities/two-factor-code-sends.entity';
import { insertRows } from '../../database/insert-rows';

/** Codes one user may be sent per hour, by sign-ins and resends together, across all their pending sign-ins. */
export const CODE_SENDS_PER_HOUR = 10;
const WINDOW_SECONDS = 3600;

/** Why a send was not allowed, and when one will be. */
export type SendRefusal =
  /** A sign-in sent this user a code less than resendCooldownSeconds ago (`since` it was sent). */
  | { reason: 'cooldown'; since: Date; availableAt: Date }
  /** The hourly cap is reached; the window ends at `availableAt`. */
  | { reason: 'hourly'; availableAt: Date };

/**
 * The per-user budget of code sends. A sign-in's own email is skipped while
 * a sign-in sent one less than the policy's resendCooldownSeconds ago (the
 * challenge is opened all the same, and its resend waits out the cooldown);
 * every send, sign-in or resend, counts against CODE_SENDS_PER_HOUR. One
 * conditional UPDATE per send: two racing sign-ins cannot both pass.
 */
@Injectable()
export class CodeSendsService {
  constructor(
    @InjectRepository(TwoFactorCodeSendsEntity) private readonly sends: Repository<TwoFactorCodeSendsEntity>,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Takes one send from the budget (at `now`), or says why not. */
  async take(userId: string, policy: TwoFactorPolicy, kind: 'sign-in' | 'resend', now: Date): Promise<SendRefusal | null> {
    const windowFloor = addSeconds(now, -WINDOW_SECONDS);
    const fresh = '(windowStartedAt IS NULL OR windowStartedAt <= :windowFloor)';
    for (let round = 0; round < 2; round++) {
      const query = this.sends
        .createQueryBuilder()
        .update()
        // windowCount first: on MySQL the later assignments would otherwise see the new window.
        .set({
          windowCount: () => `CASE WHEN ${fresh} THEN 1 ELSE windowCount + 1 END`,
          windowStartedAt: () => `CASE WHEN ${fresh} THEN :now ELSE windowStartedAt END`,
          ...(kind === 'sign-in' && { lastSignInSentAt: now }),
        })
        .where('userId = :userId')
        .andWhere(`(${fresh} OR windowCount < :cap)`)
        .setParameters({ userId, now, windowFloor, cap: CODE_SENDS_PER_HOUR });
      if (kind === 'sign-in') {
        query.andWhere('(lastSignInSentAt IS NULL OR lastSignInSentAt <= :cooldownFloor)', {
          cooldownFloor: addSeconds(now, -policy.resendCooldownSeconds),
        });
      }
      const result = await query.execute();
      if ((result.affected ?? 0) > 0) return null;
      const row = await this.sends.findOneBy({ userId });
      if (!row) {
        await this.create(userId);
        continue;
      }
      return this.refusal(row, policy, kind, now) ?? { reason: 'hourly', availableAt: addSeconds(now, 1) };
    }
    // The row could not be created: do not block the sign-in over bookkeeping, but send nothing.
    return { reason: 'hourly', availableAt: addSeconds(now, 1) };
  }

  /** Gives back a send taken at `now` that did not happen (nothing was sent). */
  async giveBack(userId: string, now: Date): Promise<void> {
    await this.sends
      .createQueryBuilder()
      .update()
      .set({
        windowCount: () => 'CASE WHEN windowCount > 0 THEN windowCount - 1 ELSE 0 END',
        lastSignInSentAt: () => 'CASE WHEN lastSignInSentAt = :now THEN NULL ELSE lastSignInSentAt END',
      })
      .where('userId = :userId', { userId, now })
      .execute();
  }

  /** The user got in: their next sign-in sends its code at once (the hourly cap still holds). */
  async signedIn(userId: string): Promise<void> {
    await this.sends.update({ userId }, { lastSignInSentAt: null });
  }

  /** When the hourly cap lets a code be sent again, or null when it does now. */
  async hourlyAvailableAt(userId: string): Promise<Date | null> {
    const row = await this.sends.findOneBy({ userId });
    const now = this.clock.now();
    if (!row) return null;
    const refusal = this.refusal(row, null, 'resend', now);
    return refusal?.availableAt ?? null;
  }

  private refusal(row: TwoFactorCodeSendsEntity, policy: TwoFactorPolicy | null, kind: 'sign-in' | 'resend', now: Date): SendRefusal | null {
    if (row.windowStartedAt && row.windowCount >= CODE_SENDS_PER_HOUR) {
      const windowEnd = addSeconds(row.windowStartedAt, WINDOW_SECONDS);
      if (windowEnd > now) return { reason: 'hourly', availableAt: windowEnd };
    }
    if (kind === 'sign-in' && policy && row.lastSignInSentAt) {
      const availableAt = addSeconds(row.lastSignInSentAt, policy.resendCooldownSeconds);
      if (availableAt > now) return { reason: 'cooldown', since: row.lastSignInSentAt, availableAt };
    }
    return null;
  }

  private async create(userId: string): Promise<void> {
    try {
      await insertRows(this.sends, { userId, lastSignInSentAt: null, windowStartedAt: null, windowCount: 0 });
    } catch (error) {
      if (!(error instanceof QueryFailedError)) throw error; // a parallel request made it
    }
  }
}
