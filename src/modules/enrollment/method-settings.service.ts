import { Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { ClientInfo } from '../../common/http/request-context';
import { PasswordConfirmation } from '../auth/password-confirmation.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { MethodActivation, notEnabledError } from './method-activation.service';
import { TwoFactorStatus, TwoFactorStatusService } from './two-factor-status.service';

/** What a signed-in user changes about their own methods: turning one off, the preferred one. */
@Injectable()
export class MethodSettings {
  constructor(
    private readonly activation: MethodActivation,
    private readonly passwords: PasswordConfirmation,
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly userMethods: UserMethodsService,
    private readonly status: TwoFactorStatusService,
  ) {}

  /** Turns a method off after checking the password (see MethodActivation.turnOff). */
  async disable(principal: Principal, method: string, password: string, client: ClientInfo): Promise<TwoFactorStatus> {
    await this.passwords.confirm(principal, password, 'password', client);
    await this.activation.turnOff(principal, method, client);
    return this.status.getStatus(principal.userId);
  }

  /** The method asked for first at sign-in; recent authentication applies. */
  async setPreferred(principal: Principal, method: string, password: string | null | undefined, client: ClientInfo): Promise<TwoFactorStatus> {
    await this.passwords.assertRecent(principal, password, client);
    if (!this.registry.get(method)?.primary || !(await this.userMethods.setPreferred(principal.userId, method))) {
      throw notEnabledError(method);
    }
    return this.status.getStatus(principal.userId);
  }
}
