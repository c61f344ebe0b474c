import { Clock } from '@app/clock';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SessionStage } from '../../common/auth/session-stage';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventsService } from '../security-events/security-events.service';
import { UsersService } from '../users/users.service';
import { PolicyService } from './policy.service';
import { TwoFactorPolicy } from './policy.types';
import { mergePolicy, PolicyChanges, policyDifferences } from './policy.validation';

/** Concurrent saves by other admins that an update re-reads and re-applies over before giving up. */
const MAX_SAVE_TRIES = 5;
/** Users whose sessions are checked side by side when a requirement is enforced. */
const SWEEP_BATCH = 20;

/** Changing the global policy, and what a change does to sessions already open. */
@Injectable()
export class PolicyAdminService {
  private readonly logger = new Logger(PolicyAdminService.name);

  constructor(
    private readonly policy: PolicyService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly methods: TwoFactorMethodsRegistry,
    private readonly events: SecurityEventsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Applies a partial change (validated on the merged result), records
   * POLICY_UPDATED with the changed fields and their new values, then
   * enforces the requirement on sessions already open. Every instance reads
   * the policy from the database per request, so the change applies
   * everywhere from the next request.
   */
  async update(changes: PolicyChanges, actorId: string, client: ClientInfo): Promise<TwoFactorPolicy> {
    for (let attempt = 0; attempt < MAX_SAVE_TRIES; attempt++) {
      const current = await this.policy.get();
      const { updatedAt: _, ...values } = current;
      const next = mergePolicy(values, changes);
      const changed = policyDifferences(values, next);
      const fields = Object.keys(changed);
      if (fields.length === 0) return current;

      const updatedAt = this.clock.now();
      if (!(await this.policy.replace(current, next, updatedAt))) continue; // another admin saved first: merge again

      const sessionsDemoted = await this.demoteSessionsFallingShort({ ...next, updatedAt });
      await this.events.record({
        type: SecurityEventType.POLICY_UPDATED,
        actorId,
        client,
        details: { changed: fields, ...changed, sessionsDemoted },
      });
      return { ...next, updatedAt };
    }
    throw new DomainException(ErrorCode.BAD_USER_INPUT, 'The policy is being changed by someone else right now. Try again.');
  }

  /**
   * Users who have an AUTHENTICATED session but no second factor although
   * the policy now requires one for their role: their sessions become
   * PENDING_ENROLLMENT (only me, currentSession, enrollment, cancel and
   * sign-out work; confirming a method returns a new AUTHENTICATED session),
   * so nobody keeps full access without 2FA once it is required. Returns how
   * many sessions were demoted.
   */
  async demoteSessionsFallingShort(policy: TwoFactorPolicy): Promise<number> {
    const userIds = await this.sessions.liveUserIds(SessionStage.AUTHENTICATED);
    let demoted = 0;
    for (let i = 0; i < userIds.length; i += SWEEP_BATCH) {
      const counts = await Promise.all(userIds.slice(i, i + SWEEP_BATCH).map((userId) => this.demoteIfFallingShort(userId, policy)));
      demoted += counts.reduce((a, b) => a + b, 0);
    }
    if (demoted > 0) this.logger.log(`The 2FA requirement moved ${demoted} session(s) to PENDING_ENROLLMENT`);
    return demoted;
  }

  private async demoteIfFallingShort(userId: string, policy: TwoFactorPolicy): Promise<number> {
    const user = await this.users.findById(userId);
    if (!user || !PolicyService.requiresTwoFactor(policy, user.role)) return 0;
    const enabled = await this.methods.enabledFor(userId);
    if (enabled.some((handler) => handler.primary)) return 0;
    return this.sessions.demoteToEnrollment(userId);
  }
}
