import { Clock } from '@app/clock';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { Role } from '../../common/auth/role';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodEntity } from '../methods/user-methods/user-method.entity';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { inTransaction } from '../../database/transactions';
import { EnrollmentGrace } from './enrollment-grace';
import { PolicyService } from './policy.service';
import { TwoFactorPolicy } from './policy.types';
import { mergePolicy, PolicyChanges, policyDifferences } from './policy.validation';

/** Concurrent saves by other admins that an update re-reads and re-applies over before giving up. */
const MAX_SAVE_TRIES = 5;

/** Changing the global policy, and what a change does to sessions already open. */
@Injectable()
export class PolicyAdminService {
  private readonly logger = new Logger(PolicyAdminService.name);

  constructor(
    private readonly policy: PolicyService,
    private readonly sessions: SessionsService,
    private readonly dataSource: DataSource,
    private readonly methods: TwoFactorMethodsRegistry,
    private readonly userMethods: UserMethodsService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
    private readonly users: UsersService,
  ) {}

  /**
   * Applies a partial change (validated on the merged result), records
   * POLICY_UPDATED with the changed fields and their new values, then
   * enforces the requirement on sessions already open. Every instance reads
   * the policy from the database per request, so the change applies
   * everywhere from the next request.
   */
  async update(changes: PolicyChanges, actor: Principal, client: ClientInfo): Promise<TwoFactorPolicy> {
    const actorId = actor.userId;
    for (let attempt = 0; attempt < MAX_SAVE_TRIES; attempt++) {
      const current = await this.policy.get();
      const { updatedAt: _, ...values } = current;
      const next = mergePolicy(values, changes);
      const changed = policyDifferences(values, next);
      const fields = Object.keys(changed);
      if (fields.length === 0) return current;
      await this.assertCanBeMet(next, changes, actor);

      const updatedAt = this.clock.now();
      if (!(await this.policy.replace(current, next, updatedAt))) continue; // another admin saved first: merge again

      // Whom the requirement covers, and since when (their grace counts from then).
      if (fields.includes('requirement')) await this.syncRequirementCoverage();
      // Only a new requirement or a shorter grace can leave open sessions short of a second factor.
      const sessionsDemoted =
        fields.includes('requirement') || fields.includes('enrollmentGraceDays') ? await this.demoteSessionsFallingShort({ ...next, updatedAt }) : 0;
      await this.events.publish({
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
   * A requirement nobody could meet locks everyone out, the admin who set it
   * included, with nothing in the API to undo it. So: requiring 2FA while no
   * allowed method can be enrolled now (EMAIL without a mail server, PASSKEY
   * without WebAuthn) is BAD_USER_INPUT naming the field that made it so;
   * requiring it of admins while the admin who asks has no method is
   * REQUIRED_BY_POLICY (enroll first).
   */
  private async assertCanBeMet(next: Omit<TwoFactorPolicy, 'updatedAt'>, changes: PolicyChanges, actor: Principal): Promise<void> {
    if (!Object.values(Role).some((role) => PolicyService.requiresTwoFactor(next, role))) return;
    const allowed = this.methods.primaries().filter((handler) => next.allowedMethods.includes(handler.method));
    const available = await Promise.all(allowed.map((handler) => this.methods.isAvailable(handler)));
    if (!available.includes(true)) {
      const field = changes.requirement ? 'requirement' : 'allowedMethods';
      throw DomainException.badInput(
        field,
        `Two-factor authentication cannot be required: none of the allowed methods (${next.allowedMethods.join(', ')}) can be set up on this server now. Configure a mail server for EMAIL, or allow AUTHENTICATOR_APP.`,
      );
    }
    if (PolicyService.requiresTwoFactor(next, actor.role)) {
      const own = await this.userMethods.list(actor.userId);
      if (!own.some((entry) => this.methods.get(entry.method)?.primary)) {
        throw new DomainException(
          ErrorCode.REQUIRED_BY_POLICY,
          'Set up two-factor authentication for your own account first: this policy would require it of you.',
        );
      }
    }
  }

  /**
   * users.twoFactorRequiredSince from the policy as it is once this change is
   * stored: changes are applied one at a time (the policy row is locked), so
   * two admins changing the requirement at once leave it true to the last.
   */
  private async syncRequirementCoverage(): Promise<void> {
    await inTransaction(
      this.dataSource,
      async (manager) => {
        const policy = await this.policy.lockedInTransaction(manager);
        await this.users.syncRequirementCoverage(manager, PolicyService.requiredRoles(policy), this.clock.now());
      },
      { name: 'requirement coverage' },
    );
  }

  /**
   * Users who have an AUTHENTICATED session but no second factor although
   * the policy now requires one for their role and their enrollment grace
   * (EnrollmentGrace) has run out or never was: their sessions become
   * PENDING_ENROLLMENT (only me, currentSession, enrollment, cancel and
   * sign-out work; confirming a method returns a new AUTHENTICATED session),
   * so nobody keeps full access without 2FA once it is required. Set-based:
   * the same statements for ten users or a million. `onlyUserId`: one user
   * (whose role just changed). Returns how many sessions were demoted.
   */
  async demoteSessionsFallingShort(policy: TwoFactorPolicy, onlyUserId?: string): Promise<number> {
    const roles = Object.values(Role).filter((role) => PolicyService.requiresTwoFactor(policy, role));
    if (roles.length === 0) return 0;
    const primaryMethods = this.methods
      .all()
      .filter((handler) => handler.primary)
      .map((handler) => handler.method);
    const usersFallingShort = this.dataSource.getRepository(UserEntity).createQueryBuilder('u').select('u.id');
    // Required of every built-in role: of every role, an integrator's too.
    if (roles.length < Object.values(Role).length) usersFallingShort.where('u.role IN (:...requiredRoles)', { requiredRoles: roles });
    if (primaryMethods.length > 0) {
      const anyMethod = this.dataSource
        .getRepository(UserMethodEntity)
        .createQueryBuilder('m')
        .select('1')
        .where('m.userId = u.id')
        .andWhere('m.method IN (:...primaryMethods)');
      usersFallingShort.andWhere(`NOT EXISTS (${anyMethod.getQuery()})`, { primaryMethods });
    }
    // Within their grace they keep signing in AUTHENTICATED, and keep the sessions they have.
    usersFallingShort.andWhere('(u.twoFactorRequiredSince IS NULL OR u.twoFactorRequiredSince <= :coveredAfter)', {
      coveredAfter: EnrollmentGrace.coveredAfter(policy, this.clock.now()),
    });
    if (onlyUserId) usersFallingShort.andWhere('u.id = :onlyUserId', { onlyUserId });
    const demoted = await this.sessions.demoteToEnrollment(usersFallingShort);
    if (demoted > 0) this.logger.log(`The 2FA requirement moved ${demoted} session(s) to PENDING_ENROLLMENT`);
    return demoted;
  }
}
