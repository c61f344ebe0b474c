import { Args, Context, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AccessControl } from '../../common/auth/access-control';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { RequirePermissions } from '../../common/decorators/access.decorators';
import { loadInBatch } from '../../common/graphql/request-batch';
import { Client, ClientInfo, CurrentPrincipal, GraphQLContext } from '../../common/http/request-context';
import { AccountUnlock } from '../attempts/account-unlock.service';
import { UserModel } from '../users/models/user.model';
import { UsersService } from '../users/users.service';
import { AdminActor } from './admin-lock';
import { UpdateUserInput } from './dto/update-user.input';
import { UserAdminService } from './user-admin.service';

@Resolver(() => UserModel)
export class UserAdminResolver {
  constructor(
    private readonly admin: UserAdminService,
    private readonly unlocks: AccountUnlock,
    private readonly users: UsersService,
    private readonly access: AccessControl,
  ) {}

  @Mutation(() => UserModel, { description: 'ADMIN. An admin cannot change their own role, nor demote the last enabled ADMIN (BAD_USER_INPUT).' })
  @RequirePermissions(Permission.USERS_MANAGE)
  async updateUser(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'The user to change.' }) id: string,
    @Args('input', { description: 'The changes.' }) input: UpdateUserInput,
  ): Promise<UserModel> {
    return UserModel.from(await this.admin.update(id, input, this.actor(principal), client));
  }

  @Mutation(() => UserModel, {
    description:
      "ADMIN. Ends the user's sessions and refuses sign-in (ACCOUNT_DISABLED) until enableUser. Not oneself, nor the last enabled ADMIN (BAD_USER_INPUT).",
  })
  @RequirePermissions(Permission.USERS_MANAGE)
  async disableUser(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'The user to disable.' }) id: string,
  ): Promise<UserModel> {
    return UserModel.from(await this.admin.disable(id, this.actor(principal), client));
  }

  @Mutation(() => UserModel, { description: 'ADMIN. Lets a disabled user sign in again.' })
  @RequirePermissions(Permission.USERS_MANAGE)
  async enableUser(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'The user to enable.' }) id: string,
  ): Promise<UserModel> {
    return UserModel.from(await this.admin.enable(id, principal.userId, client));
  }

  @Mutation(() => UserModel, { description: 'ADMIN. Ends a lockout and clears the failed attempts; methods, codes and devices stay as they are.' })
  @RequirePermissions(Permission.USERS_MANAGE)
  async unlockUser(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'The user to unlock.' }) id: string,
  ): Promise<UserModel> {
    const user = await this.users.getById(id);
    await this.unlocks.unlock(user.id, principal.userId, client);
    return UserModel.from(user);
  }

  @ResolveField('lockedUntil', () => Date, { nullable: true, description: 'Set while a lockout (all attempts used) refuses sign-in.' })
  lockedUntil(@Parent() user: UserModel, @Context() context: GraphQLContext): Promise<Date | null> {
    // One query for a whole page of users.
    return loadInBatch<Date | null>(context.req, 'lockedUntil', user.id, null, (ids) => this.unlocks.lockedUntil(ids));
  }

  private actor(principal: Principal): AdminActor {
    return { id: principal.userId, mayAct: (role) => this.access.can(role, Permission.USERS_MANAGE) };
  }
}
