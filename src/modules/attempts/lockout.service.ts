import { Injectable } from '@nestjs/common';
import { ClientInfo } from '../../common/http/request-context';
import { SessionsService } from '../auth/sessions.service';
import { AccountLocked } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { TwoFactorPolicy } from '../policy/policy.types';

/**
 * What a lockout does, in one place. Whatever check used the last attempt
 * (a sign-in code, an enrollment confirmation, an integrator's method), the
 * user's pending sign-ins end (every one, not only the one that failed) and
 * ACCOUNT_LOCKED is published: the audit log records it, the user is mailed,
 * the challenge forgets the codes it delivered. Sign-in is then refused until
 * the lockout ends (AttemptsService keeps the time).
 */
@Injectable()
export class LockoutService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
  ) {}

  /** This request's failure (or the reaping of lapsed claims) started the lockout. */
  async started(userId: string, lockedUntil: Date, policy: TwoFactorPolicy, client: ClientInfo | null): Promise<void> {
    await this.sessions.revokePendingForUser(userId);
    await this.events.publish(
      new AccountLocked({
        userId,
        client,
        details: { lockedUntil: lockedUntil.toISOString(), lockoutMinutes: policy.lockoutMinutes, failures: policy.maxAttempts },
      }),
    );
  }

  /** A request found the lockout already running (another session's fifth failure): its pending sign-in ends too. */
  async alreadyRunning(userId: string): Promise<void> {
    await this.sessions.revokePendingForUser(userId);
  }
}
