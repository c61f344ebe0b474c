import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { ClientInfo } from '../../common/http/request-context';
import { EventBus } from '../events/event-bus';
import { SecurityEventType } from '../security-events/security-event-type';
import { AttemptsService } from './attempts.service';

export interface Unlocked {
  /** The lockout that was running, if one was. */
  wasLockedUntil: Date | null;
  failures: number;
}

/**
 * Ending a lockout and clearing the failed attempts (AttemptsService.clear),
 * recorded as USER_UNLOCKED: an admin's unlockUser, or the operator's
 * `--unlock` (`actorId` null). Methods, codes and devices stay as they are.
 */
@Injectable()
export class AccountUnlock {
  constructor(
    private readonly attempts: AttemptsService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async unlock(userId: string, actorId: string | null, client: ClientInfo | null): Promise<Unlocked> {
    const before = await this.attempts.read(userId);
    await this.attempts.clear(userId);
    const now = this.clock.now();
    const wasLockedUntil = before?.lockedUntil && before.lockedUntil > now ? before.lockedUntil : null;
    await this.events.publish({
      type: SecurityEventType.USER_UNLOCKED,
      userId,
      actorId,
      client,
      details: { by: actorId ? 'admin' : 'operator', failures: before?.failures ?? 0, wasLocked: wasLockedUntil !== null },
    });
    return { wasLockedUntil, failures: before?.failures ?? 0 };
  }

  /** When the running lockout of each of these users ends (absent: none runs): User.lockedUntil, one query per page. */
  async lockedUntil(userIds: string[]): Promise<Map<string, Date>> {
    const now = this.clock.now();
    const rows = await this.attempts.readMany(userIds);
    return new Map(rows.filter((row) => row.lockedUntil && row.lockedUntil > now).map((row) => [row.userId, row.lockedUntil!]));
  }
}
