import { Field, ObjectType } from '@nestjs/graphql';
import { JsonValue } from '../../../../graphql/json.scalar';

@ObjectType('PasskeyEnrollment', { description: 'A passkey registration in progress: pass options to navigator.credentials.create, then call confirmPasskeyEnrollment.' })
export class PasskeyEnrollmentModel {
  @Field(() => JsonValue, {
    description: "PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (excludeCredentials lists the user's passkeys).",
  })
  options: unknown;

  @Field({ description: 'When the options (their challenge) expire: 5 minutes.' })
  expiresAt: Date;
}
