import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';

@InputType('SignInInput')
export class SignInInput {
  /** Not validated as an email here: a malformed one is just a wrong credential. */
  @Field()
  @IsString()
  @MaxLength(254, { message: 'email must have at most 254 characters' })
  email: string;

  @Field()
  @IsString()
  @MaxLength(256, { message: 'password must have at most 256 characters' })
  password: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'trustedDeviceToken is not a token this server gave out' })
  trustedDeviceToken?: string | null;
}
