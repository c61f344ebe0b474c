import { Field, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';

@InputType('SignInInput', { description: 'The credentials of a sign-in.' })
export class SignInInput {
  /** Not validated as an email here: a malformed one is just a wrong credential. */
  @Field({ description: 'The account email, any case.' })
  @IsString()
  @MaxLength(254, { message: 'email must have at most 254 characters' })
  email: string;

  @Field({ description: 'The password.' })
  @IsString()
  @MaxLength(256, { message: 'password must have at most 256 characters' })
  password: string;

  @Field(() => String, { nullable: true, description: 'A trusted-device token from an earlier sign-in, when not sent as the cookie.' })
  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'trustedDeviceToken is not a token this server gave out' })
  trustedDeviceToken?: string | null;
}
