import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UserModel } from '../users/models/user.model';
import { TwoFactorStatusModel } from './models/two-factor-status.model';
import { TwoFactorStatusService } from './two-factor-status.service';

/** Adds User.twoFactor here, so the users module does not depend on enrollment. */
@Resolver(() => UserModel)
export class UserTwoFactorResolver {
  constructor(private readonly status: TwoFactorStatusService) {}

  @ResolveField('twoFactor', () => TwoFactorStatusModel, { description: "The user's two-factor authentication." })
  twoFactor(@Parent() user: UserModel): Promise<TwoFactorStatusModel> {
    return this.status.getStatus(user.id);
  }
}
