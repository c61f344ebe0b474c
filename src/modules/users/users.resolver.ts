import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { AllowPendingEnrollment, RequirePermissions } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { CreateUserInput } from './dto/create-user.input';
import { UserModel, UserPageModel } from './models/user.model';
import { UsersService } from './users.service';

@Resolver(() => UserModel)
export class UsersResolver {
  constructor(private readonly usersService: UsersService) {}

  @Query(() => UserModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT.' })
  @AllowPendingEnrollment()
  async me(@CurrentPrincipal() principal: Principal): Promise<UserModel> {
    return UserModel.from(await this.usersService.getById(principal.userId));
  }

  @Query(() => UserPageModel, { description: 'ADMIN. Newest first; search matches email or display name.' })
  @RequirePermissions(Permission.USERS_READ)
  async users(
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('search', { type: () => String, nullable: true }) search: string | null,
  ): Promise<UserPageModel> {
    const page = await this.usersService.list(first, after, search);
    return { items: page.items.map(UserModel.from), nextCursor: page.nextCursor };
  }

  @Query(() => UserModel, { nullable: true, description: 'ADMIN.' })
  @RequirePermissions(Permission.USERS_READ)
  async user(@Args('id', { type: () => ID }) id: string): Promise<UserModel | null> {
    const user = await this.usersService.findById(id);
    return user ? UserModel.from(user) : null;
  }

  @Mutation(() => UserModel, { description: 'ADMIN.' })
  @RequirePermissions(Permission.USERS_MANAGE)
  async createUser(
    @Args('input') input: CreateUserInput,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<UserModel> {
    return UserModel.from(await this.usersService.createByAdmin(input, principal.userId, client));
  }
}
