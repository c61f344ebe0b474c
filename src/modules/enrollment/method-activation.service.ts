import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { inTransaction } from '../../database/transactions';
import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { MethodDisabled, MethodEnabled } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { PolicyService } from '../policy/policy.service';

export interface EnableMethodRequest {
  userId: string;
  /** A registered primary method. */
  method: string;
  client: ClientInfo | null;
  /** The method's own state, stored in the same transaction; throwing cancels both. Must tolerate a re-run (deadlock retry). */
  within?: (manager: EntityManager) => Promise<void>;
}

export interface EnableMethodResult {
  /** Ten new backup codes when this was the user's first method, else null. */
  backupCodes: string[] | null;
  /** False when a repeatable method (another passkey) was already on: nothing turned on. */
  newlyEnabled: boolean;
}

/**
 * Turning methods on and off and the preferred one, for every method alike.
 * Each change runs in one short transaction (READ COMMITTED, the user's row
 * locked first, retried on a deadlock), so "is this the first / last
 * method?" cannot race and two users enrolling at once never lock each other.
 */
@Injectable()
export class MethodActivation {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly userMethods: UserMethodsService,
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly backupCodes: BackupCodesService,
    private readonly policies: PolicyService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Turns a primary method on once its possession is proven. The first one
   * also creates the ten backup codes (returned once). Publishes
   * METHOD_ENABLED after the commit.
   */
  async enable(request: EnableMethodRequest): Promise<EnableMethodResult> {
    const { userId, method } = request;
    const repeatable = this.registry.get(method)?.enrollment?.repeatable === true;
    const now = this.clock.now();
    const result = await inTransaction(
      this.dataSource,
      async (manager) => {
        await this.userMethods.lockUser(manager, userId);
        const enabled = await this.enabledPrimaries(userId, manager);
        const alreadyOn = enabled.includes(method);
        if (alreadyOn && !repeatable) throw alreadyOnError(method);
        if (request.within) await request.within(manager);
        if (!alreadyOn) await this.userMethods.add(manager, userId, method, now);
        const backupCodes = enabled.length === 0 ? await this.backupCodes.replaceAll(manager, userId, now) : null;
        return { backupCodes, newlyEnabled: !alreadyOn };
      },
      { name: 'enable method' },
    );
    if (result.newlyEnabled) await this.events.publish(new MethodEnabled({ userId, client: request.client, details: { method } }));
    return result;
  }

  /**
   * Turns a method off (the caller asked for the password). The last one off
   * also deletes the backup codes (trusted devices go with MethodDisabled
   * { lastMethod: true }) and is refused while the policy requires 2FA.
   */
  async turnOff(principal: Principal, method: string, client: ClientInfo | null): Promise<void> {
    const { userId } = principal;
    const handler = this.registry.get(method);
    if (!handler?.primary) throw notEnabledError(method);
    const policy = await this.policies.get();
    const lastMethod = await inTransaction(
      this.dataSource,
      async (manager) => {
        await this.userMethods.lockUser(manager, userId);
        const enabled = await this.enabledPrimaries(userId, manager);
        if (!enabled.includes(method)) throw notEnabledError(method);
        const last = enabled.length === 1;
        if (last && PolicyService.requiresTwoFactor(policy, principal.role)) {
          throw new DomainException(ErrorCode.REQUIRED_BY_POLICY, 'The security policy requires two-factor authentication: keep at least one method on.');
        }
        await this.userMethods.remove(userId, method, manager);
        if (last) await this.backupCodes.deleteAll(userId, manager);
        return last;
      },
      { name: 'disable method' },
    );
    await handler.disable(userId);
    await this.events.publish(new MethodDisabled({ userId, client, details: { method, lastMethod } }));
  }

  private async enabledPrimaries(userId: string, manager: EntityManager): Promise<string[]> {
    return (await this.userMethods.list(userId, manager)).filter((e) => this.registry.get(e.method)?.primary).map((e) => e.method);
  }
}

export function notEnabledError(method: string): DomainException {
  return new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} is not enabled for this account.`);
}

export function alreadyOnError(method: string): DomainException {
  return new DomainException(ErrorCode.BAD_USER_INPUT, `${method} is already on. Turn it off first to set it up again.`);
}
