import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PasskeyEntity } from '../entities/passkey.entity';

@ObjectType('Passkey', { description: 'A passkey or security key (WebAuthn) registered to the user.' })
export class PasskeyModel {
  @Field(() => ID, { description: 'Its id (renamePasskey, removePasskey).' })
  id: string;

  @Field({ description: "The name the user gave it (or one made from the authenticator's type), e.g. 'YubiKey 5' or 'Passkey on Chrome'." })
  name: string;

  @Field({ description: 'When it was registered.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it last signed in; null before its first use.' })
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
