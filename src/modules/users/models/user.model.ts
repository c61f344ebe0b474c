import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Role } from '../../../common/auth/role';
import { UserEntity } from '../entities/user.entity';

/** A user as clients see it: never the password hash. `twoFactor` is added by the enrollment module. */
@ObjectType('User')
export class UserModel {
  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field(() => String, { nullable: true })
  displayName: string | null;

  @Field(() => Role)
  role: Role;

  @Field()
  createdAt: Date;

  static from(user: UserEntity): UserModel {
    return Object.assign(new UserModel(), {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      createdAt: user.createdAt,
    });
  }
}

@ObjectType('UserPage')
export class UserPageModel {
  @Field(() => [UserModel])
  items: UserModel[];

  @Field(() => String, { nullable: true })
  nextCursor: string | null;
}
