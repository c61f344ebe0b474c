import { Field, InputType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { Role } from '../../../common/auth/role';

@InputType('UpdateUserInput', { description: 'What updateUser changes; omitted (or null) fields keep their value.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true, description: 'The name shown to people, at most 100 characters; an empty string removes it.' })
  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'displayName must have at most 100 characters' })
  displayName?: string | null;

  @Field(() => Role, { nullable: true, description: 'The new role: not your own, and never leaving no enabled ADMIN.' })
  @IsOptional()
  @IsEnum(Role)
  role?: Role | null;
}
