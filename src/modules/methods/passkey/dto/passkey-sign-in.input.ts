import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDefined, IsString, MaxLength } from 'class-validator';
import { JsonValue } from '../../../../graphql/json.scalar';

@InputType('PasskeySignInInput')
export class PasskeySignInInput {
  @Field(() => ID)
  @IsString()
  @MaxLength(64)
  challengeId: string;

  @Field(() => JsonValue, { description: 'The AuthenticationResponseJSON answering PasskeySignIn.options; it must carry user verification.' })
  @IsDefined()
  credential: unknown;
}
