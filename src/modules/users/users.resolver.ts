import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { Role } from '../../common/auth/role';
import { AllowPendingEnrollment, RequirePermissions } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { CreateUserInput } from './dto/create-user.input';
import { UserModel, UserPageModel } from './models/user.model';
import { UserDirectory } from './user-directory.service';
import { UsersService } from './users.service';

@Resolver(() => UserModel)
export class UsersResolver {
  constructor(
    private readonly usersService: UsersService,
    private readonly directory: UserDirectory,
  ) {}

  @Query(() => UserModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT.' })
  @AllowPendingEnrollment()
  async me(@CurrentPrincipal() principal: Principal): Promise<UserModel> {
    return UserModel.from(await this.usersService.getById(principal.userId));
  }

  @Query(() => UserPageModel, { description: 'ADMIN. Newest first; search matches email or display name; the other arguments filter.' })
  @RequirePermissions(Permission.USERS_READ)
  async users(
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50, description: 'Page size, 1 to 100.' }) first: number,
    @Args('after', { type: () => String, nullable: true, description: 'The nextCursor of the previous page.' }) after: string | null,
    @Args('search', { type: () => String, nullable: true, description: 'Part of the email or display name, any case (at most 100 characters).' })
    search: string | null,
    @Args('role', { type: () => Role, nullable: true, description: 'Only users of this role.' }) role: Role | null,
    @Args('twoFactorEnabled', { type: () => Boolean, nullable: true, description: 'Only users with (true) or without (false) a second factor.' })
    twoFactorEnabled: boolean | null,
    @Args('disabled', { type: () => Boolean, nullable: true, description: 'Only disabled (true) or enabled (false) users.' }) disabled: boolean | null,
  ): Promise<UserPageModel> {
    const filters = { search, role, twoFactorEnabled, disabled };
    const page = await this.directory.page(filters, first, after);
    return Object.assign(new UserPageModel(), { items: page.items.map(UserModel.from), nextCursor: page.nextCursor, filters });
  }

  @Query(() => UserModel, { nullable: true, description: 'ADMIN. Null when no user has this id.' })
  @RequirePermissions(Permission.USERS_READ)
  async user(@Args('id', { type: () => ID, description: 'The user id.' }) id: string): Promise<UserModel | null> {
    const user = await this.usersService.findById(id);
    return user ? UserModel.from(user) : null;
  }

  @Mutation(() => UserModel, { description: 'ADMIN. A new user; BAD_USER_INPUT naming the field for a taken email or an unacceptable password.' })
  @RequirePermissions(Permission.USERS_MANAGE)
  async createUser(
    @Args('input', { description: 'The new account.' }) input: CreateUserInput,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<UserModel> {
    return UserModel.from(await this.usersService.createByAdmin(input, principal.userId, client));
  }
}

/** UserPage.totalCount: one indexed count, only when the client asks for it. */
@Resolver(() => UserPageModel)
export class UserPageResolver {
  constructor(private readonly directory: UserDirectory) {}

  @ResolveField('totalCount', () => Int, { description: 'How many users match the filters, over all pages.' })
  totalCount(@Parent() page: UserPageModel): Promise<number> {
    return this.directory.count(page.filters);
  }
}
