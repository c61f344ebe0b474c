import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsEmail, IsEnum, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Role } from '../../../common/auth/role';

import { EMAIL_MAX_LENGTH } from '../email';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-rules';

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH };

@InputType({ description: 'A new account.' })
export class CreateUserInput {
  @Field({ description: 'The sign-in email; unique, stored lower-cased.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(EMAIL_MAX_LENGTH)
  email: string;

  @Field({ description: '8 to 256 characters, not a common password, not the email.' })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
    message: `password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  })
  password: string;

  @Field(() => String, { nullable: true, description: 'The name shown to people, 1 to 100 characters.' })
  @IsOptional()
  @IsString()
  @Length(1, 100, { message: 'displayName must have 1 to 100 characters' })
  displayName?: string | null;

  @Field(() => Role, { nullable: true, defaultValue: Role.AGENT, description: 'What the user may do.' })
  @IsOptional()
  @IsEnum(Role)
  role?: Role | null;
}
