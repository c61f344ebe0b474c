import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDefined, IsString, MaxLength } from 'class-validator';
import { JsonValue } from '../../../../graphql/json.scalar';

@InputType('PasskeySignInInput', { description: 'The answer to startPasskeySignIn.' })
export class PasskeySignInInput {
  @Field(() => ID, { description: 'PasskeySignIn.challengeId of startPasskeySignIn.' })
  @IsString()
  @MaxLength(64)
  challengeId: string;

  @Field(() => JsonValue, { description: 'The AuthenticationResponseJSON answering PasskeySignIn.options; it must carry user verification.' })
  @IsDefined()
  credential: unknown;
}
