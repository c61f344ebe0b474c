import { Field, ID, ObjectType } from '@nestjs/graphql';
import { JsonValue } from '../../../../graphql/json.scalar';

@ObjectType('PasskeySignIn', { description: 'A passwordless sign-in in progress: pass options to navigator.credentials.get, then call signInWithPasskey.' })
export class PasskeySignInModel {
  @Field(() => ID, { description: 'Passed back to signInWithPasskey.' })
  challengeId: string;

  @Field(() => JsonValue, { description: 'PublicKeyCredentialRequestOptionsJSON with userVerification required and no allowCredentials (discoverable passkeys).' })
  options: unknown;

  @Field({ description: 'When the options (their challenge) expire: 5 minutes.' })
  expiresAt: Date;
}
