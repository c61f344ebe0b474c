import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UserModel } from '../users/models/user.model';
import { UsersService } from '../users/users.service';
import { AuthPayloadModel } from './models/auth-payload.model';

/**
 * AuthPayload.user: the user when the step already read them (signIn), else
 * loaded only if the client selected the field (verifyTwoFactor usually
 * does not: one statement less on the sign-in's critical path).
 */
@Resolver(() => AuthPayloadModel)
export class AuthPayloadResolver {
  constructor(private readonly users: UsersService) {}

  @ResolveField('user', () => UserModel, { nullable: true, description: 'Set when the stage is AUTHENTICATED or PENDING_ENROLLMENT.' })
  async user(@Parent() payload: AuthPayloadModel): Promise<UserModel | null> {
    if (payload.user !== undefined) return payload.user;
    return payload.userId ? UserModel.from(await this.users.getById(payload.userId)) : null;
  }
}
