import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { DomainException } from '../../../common/errors/domain.exception';
import { ClientInfo } from '../../../common/http/request-context';
import { inTransaction } from '../../../database/transactions';
import { PasswordConfirmation } from '../../auth/password-confirmation.service';
import { MethodActivation } from '../../enrollment/method-activation.service';
import { TwoFactorStatus, TwoFactorStatusService } from '../../enrollment/two-factor-status.service';
import { EventBus } from '../../events/event-bus';
import { SecurityEventType } from '../../security-events/security-event-type';
import { UserMethodsService } from '../user-methods/user-methods.service';
import { PasskeyModel } from './models/passkey.model';
import { passkeyNameInput } from './passkey-enrollment.service';
import { PasskeysService } from './passkeys.service';

const notFound = () => DomainException.notFound('No passkey of yours has this id.');

/** A user's own passkeys: renaming one, removing one (the last one turns PASSKEY off). */
@Injectable()
export class PasskeyManagement {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly passwords: PasswordConfirmation,
    private readonly activation: MethodActivation,
    private readonly userMethods: UserMethodsService,
    private readonly status: TwoFactorStatusService,
    private readonly events: EventBus,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async rename(principal: Principal, id: string, name: string): Promise<PasskeyModel> {
    const cleaned = passkeyNameInput(name);
    if (cleaned === null) throw DomainException.badInput('name', "A passkey's name cannot be empty.");
    if (!(await this.passkeys.rename(principal.userId, id, cleaned))) throw notFound();
    const renamed = await this.passkeys.findOwn(principal.userId, id);
    if (!renamed) throw notFound();
    return PasskeyModel.from(renamed);
  }

  /**
   * Removes one passkey after the password. The last one turns PASSKEY off
   * through the core (MethodActivation.turnOff: refused while the policy
   * requires 2FA of a user with no other method; the last method off also
   * takes the backup codes and trusted devices). Counted under the user's
   * row lock, so two removals at once cannot both think another is left.
   */
  async remove(principal: Principal, id: string, password: string, client: ClientInfo): Promise<TwoFactorStatus> {
    const { userId } = principal;
    await this.passwords.confirm(principal, password, 'password', client);
    const passkey = await this.passkeys.findOwn(userId, id);
    if (!passkey) throw notFound();
    const removedAlone = await inTransaction(
      this.dataSource,
      async (manager) => {
        await this.userMethods.lockUser(manager, userId);
        const all = await this.passkeys.list(userId, manager);
        if (!all.some((p) => p.id === id)) throw notFound();
        if (all.length === 1) return false;
        await this.passkeys.delete(userId, id, manager);
        return true;
      },
      { name: 'remove passkey' },
    );
    // The last one: PASSKEY goes off, and the handler's disable() removes it.
    if (!removedAlone) await this.activation.turnOff(principal, TwoFactorMethod.PASSKEY, client);
    await this.events.publish({
      type: SecurityEventType.PASSKEY_REMOVED,
      userId,
      client,
      details: { passkeyId: id, name: passkey.name, lastPasskey: !removedAlone },
    });
    return this.status.getStatus(userId);
  }
}
