import { Field, ObjectType } from '@nestjs/graphql';
import { JsonValue } from '../../../../graphql/json.scalar';

@ObjectType('PasskeyEnrollment')
export class PasskeyEnrollmentModel {
  @Field(() => JsonValue, {
    description: "PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (excludeCredentials lists the user's passkeys).",
  })
  options: unknown;

  @Field()
  expiresAt: Date;
}
