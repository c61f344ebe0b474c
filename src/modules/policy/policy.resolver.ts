import { Query, Resolver } from '@nestjs/graphql';
import { TwoFactorPolicyModel } from './models/two-factor-policy.model';
import { PolicyService } from './policy.service';

@Resolver(() => TwoFactorPolicyModel)
export class PolicyResolver {
  constructor(private readonly policy: PolicyService) {}

  @Query(() => TwoFactorPolicyModel, { description: 'Any AUTHENTICATED user may read it; only ADMIN may change it.' })
  async twoFactorPolicy(): Promise<TwoFactorPolicyModel> {
    return TwoFactorPolicyModel.from(await this.policy.get());
  }
}
