import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Role } from '../../../common/auth/role';
import { UserEntity } from '../entities/user.entity';
import { UserFilters } from '../user-directory.service';

/**
 * A user as clients see it: never the password hash. `twoFactor` is added
 * by the enrollment module, `lockedUntil` by the admin module.
 */
@ObjectType('User', { description: 'An account: an agent or an admin.' })
export class UserModel {
  @Field(() => ID, { description: 'Stable id (a UUID).' })
  id: string;

  @Field({ description: 'The sign-in email, trimmed and lower-cased; unique.' })
  email: string;

  @Field(() => String, { nullable: true, description: 'The name shown to people, if one was given.' })
  displayName: string | null;

  @Field(() => Role, { description: 'What the user may do.' })
  role: Role;

  @Field({ description: 'When the account was created.' })
  createdAt: Date;

  @Field({ description: 'A disabled user cannot sign in (ACCOUNT_DISABLED) and has no open session.' })
  disabled: boolean;

  @Field(() => Date, { nullable: true, description: 'When the user last reached AUTHENTICATED.' })
  lastSignInAt: Date | null;

  static from(user: UserEntity): UserModel {
    return Object.assign(new UserModel(), {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      createdAt: user.createdAt,
      disabled: !!user.disabled,
      lastSignInAt: user.lastSignInAt ?? null,
    });
  }
}

@ObjectType('UserPage', { description: 'One page of users, newest first.' })
export class UserPageModel {
  @Field(() => [UserModel], { description: 'The users of this page.' })
  items: UserModel[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  nextCursor: string | null;

  /** Not a field: what totalCount counts (computed only when asked for). */
  filters: UserFilters;

  /** Resolved by UsersResolver from `filters`. */
  @Field(() => Int, { description: 'How many users match the filters, over all pages.' })
  totalCount?: number;
}
