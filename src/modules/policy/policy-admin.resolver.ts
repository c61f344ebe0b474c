import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { RequirePermissions } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { UserModel } from '../users/models/user.model';
import { UpdateTwoFactorPolicyInput } from './dto/update-two-factor-policy.input';
import { TwoFactorPolicyModel } from './models/two-factor-policy.model';
import { PolicyAdminService } from './policy-admin.service';
import { TwoFactorResetService } from './two-factor-reset.service';

@Resolver()
export class PolicyAdminResolver {
  constructor(
    private readonly policyAdmin: PolicyAdminService,
    private readonly resets: TwoFactorResetService,
  ) {}

  @Mutation(() => TwoFactorPolicyModel, {
    description:
      'ADMIN. Omitted fields keep their value. Applies from the next request on every instance; users who now must use 2FA and have no method are moved to PENDING_ENROLLMENT. Refused (BAD_USER_INPUT naming the field) when a requirement could not be met: requiring 2FA while no allowed method can be enrolled now (EMAIL needs a mail server, PASSKEY needs WebAuthn configured). Requiring 2FA of admins (REQUIRED_FOR_ADMINS or REQUIRED_FOR_ALL) is REQUIRED_BY_POLICY while the admin who asks has no method.',
  })
  @RequirePermissions(Permission.POLICY_MANAGE)
  async updateTwoFactorPolicy(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('input', { description: 'The fields to change.' }) input: UpdateTwoFactorPolicyInput,
  ): Promise<TwoFactorPolicyModel> {
    return TwoFactorPolicyModel.from(await this.policyAdmin.update(input, principal, client));
  }

  @Mutation(() => UserModel, {
    description:
      "ADMIN, for another user (FORBIDDEN for oneself). Turns off all of the user's methods, backup codes, passkeys and trusted devices, and ends their sessions.",
  })
  @RequirePermissions(Permission.TWO_FACTOR_RESET)
  async resetTwoFactor(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('userId', { type: () => ID, description: 'The user to reset (not yourself).' }) userId: string,
  ): Promise<UserModel> {
    return UserModel.from(await this.resets.reset(userId, principal.userId, client));
  }
}
