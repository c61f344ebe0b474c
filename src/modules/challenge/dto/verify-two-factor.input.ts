import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { TwoFactorMethod, VERIFY_CODE_DESCRIPTION, VERIFY_CREDENTIAL_DESCRIPTION } from '../../../common/auth/two-factor-method';
import { JsonValue } from '../../../graphql/json.scalar';

@InputType('VerifyTwoFactorInput', { description: 'The answer to a pending sign-in\'s challenge.' })
export class VerifyTwoFactorInput {
  /** A GraphQL enum: the schema already refuses unknown values (integrators register theirs). */
  @Field(() => TwoFactorMethod, { description: 'Which factor answers: one of challenge.methods.' })
  @IsString()
  method: TwoFactorMethod;

  @Field(() => String, { nullable: true, description: VERIFY_CODE_DESCRIPTION })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'code is not a code of this method' })
  code?: string | null;

  @Field(() => JsonValue, { nullable: true, description: VERIFY_CREDENTIAL_DESCRIPTION })
  @IsOptional()
  credential?: unknown;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Trust this device for rememberDeviceDays; refused when the policy is EVERY_LOGIN." })
  @IsOptional()
  @IsBoolean()
  rememberDevice?: boolean | null;
}
