import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { MethodSettings } from './method-settings.service';
import { TwoFactorStatusModel } from './models/two-factor-status.model';

/** What every method shares once on; each method's own enrollment mutations live in its module. */
@Resolver()
export class EnrollmentResolver {
  constructor(private readonly settings: MethodSettings) {}

  @Mutation(() => TwoFactorStatusModel, {
    description: 'AUTHENTICATED. Needs the password again. Turning off the last method also deletes backup codes and trusted devices.',
  })
  @SensitiveRateLimit()
  disableTwoFactorMethod(
    @Args('method', { type: () => TwoFactorMethod, description: 'The method to turn off.' }) method: string,
    @Args('password', { description: 'The password, asked again.' }) password: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<TwoFactorStatusModel> {
    return this.settings.disable(principal, method, password, client);
  }

  @Mutation(() => TwoFactorStatusModel, {
    description: 'AUTHENTICATED. The method asked for first at sign-in; it must be enabled. password: see recent authentication.',
  })
  @SensitiveRateLimit()
  setPreferredTwoFactorMethod(
    @Args('method', { type: () => TwoFactorMethod, description: 'An enabled method to ask for first.' }) method: string,
    @Args('password', { type: () => String, nullable: true, description: 'Needed unless the session entered the password or a second factor within policy.reauthenticationMinutes.' })
    password: string | null,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<TwoFactorStatusModel> {
    return this.settings.setPreferred(principal, method, password, client);
  }
}
