import { addSeconds, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { conditionalUpdate } from '../../database/conditional-update';
import { insertIfAbsent } from '../../database/insert-rows';
import { TwoFactorCodeSendsEntity } from './entities/two-factor-code-sends.entity';

/** Codes one user may be sent per hour, by sign-ins and resends together, across all their pending sign-ins. */
export const CODE_SENDS_PER_HOUR = 10;
const WINDOW_SECONDS = 3600;

/** A send was not allowed: the hourly cap is reached; the window ends at `availableAt`. */
export interface SendRefusal {
  availableAt: Date;
}

/**
 * The per-user budget of code sends: every send (the code of each sign-in,
 * each resend, each enrollment code, by any method that delivers) counts
 * against CODE_SENDS_PER_HOUR, so signing in or enrolling over and over
 * cannot flood the mailbox. Within the cap
 * each sign-in mails its own code at once (CloudCX: "for every time login").
 * One conditional UPDATE per send: two racing sends cannot both pass the cap.
 */
@Injectable()
export class SendBudget {
  constructor(
    @InjectRepository(TwoFactorCodeSendsEntity) private readonly sends: Repository<TwoFactorCodeSendsEntity>,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Takes one send from the budget (at `now`), or says why not. */
  async take(userId: string, now: Date): Promise<SendRefusal | null> {
    const windowFloor = addSeconds(now, -WINDOW_SECONDS);
    const fresh = '(windowStartedAt IS NULL OR windowStartedAt <= :windowFloor)';
    for (let round = 0; round < 2; round++) {
      const taken = await conditionalUpdate(this.sends, {
        set: {
          windowCount: () => `CASE WHEN ${fresh} THEN 1 ELSE windowCount + 1 END`,
          windowStartedAt: () => `CASE WHEN ${fresh} THEN :now ELSE windowStartedAt END`,
        },
        where: `userId = :userId AND (${fresh} OR windowCount < :cap)`,
        parameters: { userId, now, windowFloor, cap: CODE_SENDS_PER_HOUR },
      });
      if (taken > 0) return null;
      const row = await this.sends.findOneBy({ userId });
      if (!row) {
        await this.create(userId);
        continue;
      }
      return this.refusal(row, now) ?? { availableAt: addSeconds(now, 1) };
    }
    // The row could not be created: do not block the sign-in over bookkeeping, but send nothing.
    return { availableAt: addSeconds(now, 1) };
  }

  /** Gives back a send that did not happen (nothing was sent). */
  async giveBack(userId: string): Promise<void> {
    await conditionalUpdate(this.sends, {
      set: { windowCount: () => 'CASE WHEN windowCount > 0 THEN windowCount - 1 ELSE 0 END' },
      where: 'userId = :userId',
      parameters: { userId },
    });
  }

  /** When the hourly cap lets a code be sent again, or null when it does now. */
  async hourlyAvailableAt(userId: string): Promise<Date | null> {
    const row = await this.sends.findOneBy({ userId });
    const now = this.clock.now();
    if (!row) return null;
    const refusal = this.refusal(row, now);
    return refusal?.availableAt ?? null;
  }

  private refusal(row: TwoFactorCodeSendsEntity, now: Date): SendRefusal | null {
    if (row.windowStartedAt && row.windowCount >= CODE_SENDS_PER_HOUR) {
      const windowEnd = addSeconds(row.windowStartedAt, WINDOW_SECONDS);
      if (windowEnd > now) return { availableAt: windowEnd };
    }
    return null;
  }

  private async create(userId: string): Promise<void> {
    await insertIfAbsent(this.sends, { userId, windowStartedAt: null, windowCount: 0 });
  }
}
