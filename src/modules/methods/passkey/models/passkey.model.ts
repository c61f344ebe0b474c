import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PasskeyEntity } from '../entities/passkey.entity';

@ObjectType('Passkey')
export class PasskeyModel {
  @Field(() => ID)
  id: string;

  @Field({ description: "The name the user gave it (or one made from the authenticator's type), e.g. 'YubiKey 5' or 'Passkey on Chrome'." })
  name: string;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  @Field({ description: 'True when it can sign in without a password (discoverable and user-verifying).' })
  passwordless: boolean;

  static from(passkey: PasskeyEntity): PasskeyModel {
    return {
      id: passkey.id,
      name: passkey.name,
      createdAt: passkey.createdAt,
      lastUsedAt: passkey.lastUsedAt,
      passwordless: passkey.userVerified && passkey.discoverable === true,
    };
  }
}
