import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';

@InputType('VerifyTwoFactorInput')
export class VerifyTwoFactorInput {
  /** A GraphQL enum: the schema already refuses unknown values (integrators register theirs). */
  @Field(() => TwoFactorMethod)
  @IsString()
  method: TwoFactorMethod;

  @Field({ description: 'Six ASCII digits for EMAIL and AUTHENTICATOR_APP (spaces ignored); any other form is BAD_USER_INPUT and costs no attempt.' })
  @IsString()
  @MaxLength(64, { message: 'code is not a code of this method' })
  code: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Trust this device for rememberDeviceDays; refused when the policy is EVERY_LOGIN." })
  @IsOptional()
  @IsBoolean()
  rememberDevice?: boolean | null;
}
