import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ClientInfo } from '../../common/http/request-context';
import { inTransaction } from '../../database/transactions';
import { SessionsService } from '../auth/sessions.service';
import { UserDisabled } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { PolicyAdminService } from '../policy/policy-admin.service';
import { PolicyService } from '../policy/policy.service';
import { SecurityEventType } from '../security-events/security-event-type';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { AdminActor, assertNotLastEnabledAdmin, lockForAdminChange } from './admin-lock';
import { UpdateUserInput } from './dto/update-user.input';

/**
 * An admin's changes to another account: disable, enable, update. Each runs
 * in one transaction over locked rows (admin-lock.ts), so the rules (not
 * oneself, never no enabled ADMIN) hold however many admins act at once.
 * `actor` null: the operator's command line (the event then has no actor).
 */
@Injectable()
export class UserAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly policies: PolicyService,
    private readonly policyAdmin: PolicyAdminService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Disables the user: in the same transaction every session of theirs ends
   * (and the session lookup ignores any a racing sign-in opens), their
   * trusted devices are forgotten (UserDisabled), sign-in answers
   * ACCOUNT_DISABLED to the right password. Idempotent.
   */
  async disable(userId: string, actor: AdminActor | null, client: ClientInfo | null): Promise<UserEntity> {
    if (actor && actor.id === userId) throw DomainException.badInput('id', 'You cannot disable your own account: ask another admin.');
    const result = await inTransaction(
      this.dataSource,
      async (manager) => {
        const locked = await lockForAdminChange(manager, userId, actor);
        if (locked.target.disabled) return { user: locked.target, sessionsEnded: null };
        assertNotLastEnabledAdmin(locked, 'id', 'Disabling this admin');
        const now = this.clock.now();
        await manager.getRepository(UserEntity).update({ id: userId }, { disabled: true, updatedAt: now });
        const sessionsEnded = await this.sessions.revokeAllForUser(userId, null, manager);
        return { user: Object.assign(locked.target, { disabled: true, updatedAt: now }), sessionsEnded };
      },
      { name: 'disable user' },
    );
    if (result.sessionsEnded !== null) {
      const by = actor ? 'admin' : 'operator';
      await this.events.publish(new UserDisabled({ userId, actorId: actor?.id ?? null, client, details: { sessionsEnded: result.sessionsEnded, by } }));
    }
    return result.user;
  }

  /** Lets the user sign in again (their methods are as they were). Idempotent. */
  async enable(userId: string, actorId: string | null, client: ClientInfo | null): Promise<UserEntity> {
    const user = await this.users.getById(userId);
    if (!user.disabled) return user;
    const now = this.clock.now();
    const result = await this.dataSource.getRepository(UserEntity).update({ id: userId, disabled: true }, { disabled: false, updatedAt: now });
    if ((result.affected ?? 0) > 0) {
      await this.events.publish({ type: SecurityEventType.USER_ENABLED, userId, actorId, client, details: { by: actorId ? 'admin' : 'operator' } });
    }
    return Object.assign(user, { disabled: false, updatedAt: now });
  }

  /**
   * Changes the display name and the role. Not one's own role, and never the
   * last enabled ADMIN's (BAD_USER_INPUT naming `role`). A new role the
   * requirement covers starts the user's enrollment grace; one it does not
   * ends their coverage.
   */
  async update(userId: string, input: UpdateUserInput, actor: AdminActor, client: ClientInfo | null): Promise<UserEntity> {
    const displayName = input.displayName === undefined || input.displayName === null ? undefined : input.displayName.trim() || null;
    const role = input.role ?? undefined;
    const result = await inTransaction(
      this.dataSource,
      async (manager) => {
        const locked = await lockForAdminChange(manager, userId, actor);
        const { target } = locked;
        const changes: Partial<UserEntity> = {};
        if (displayName !== undefined && displayName !== target.displayName) changes.displayName = displayName;
        if (role !== undefined && role !== target.role) {
          if (actor.id === userId) throw DomainException.badInput('role', 'You cannot change your own role: ask another admin.');
          assertNotLastEnabledAdmin(locked, 'role', 'Changing the role of this admin');
          changes.role = role;
          const policy = await this.policies.get();
          const covered = PolicyService.requiresTwoFactor(policy, role);
          if (!covered) Object.assign(changes, { twoFactorRequiredSince: null, enrollmentRemindersSent: 0 });
          else if (!target.twoFactorRequiredSince) Object.assign(changes, { twoFactorRequiredSince: this.clock.now(), enrollmentRemindersSent: 0 });
        }
        if (Object.keys(changes).length === 0) return { user: target, changed: [] as string[], previousRole: target.role };
        changes.updatedAt = this.clock.now();
        await manager.getRepository(UserEntity).update({ id: userId }, changes);
        const changed = ['displayName', 'role'].filter((field) => field in changes);
        return { user: Object.assign({}, target, changes) as UserEntity, changed, previousRole: target.role };
      },
      { name: 'update user' },
    );
    if (result.changed.length === 0) return result.user;
    await this.events.publish({
      type: SecurityEventType.USER_UPDATED,
      userId,
      actorId: actor.id,
      client,
      details: { changed: result.changed, ...(result.changed.includes('role') && { role: result.user.role, previousRole: result.previousRole }) },
    });
    // A role the requirement now covers, with no method and no grace: their open sessions must enroll first.
    if (result.changed.includes('role')) await this.policyAdmin.demoteSessionsFallingShort(await this.policies.get(), userId);
    return result.user;
  }
}
