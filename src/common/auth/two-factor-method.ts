import { registerEnumType } from '@nestjs/graphql';

/** The second factors the contract names. Method providers are keyed by these values. */
export enum TwoFactorMethod {
  EMAIL = 'EMAIL',
  AUTHENTICATOR_APP = 'AUTHENTICATOR_APP',
  BACKUP_CODE = 'BACKUP_CODE',
}

registerEnumType(TwoFactorMethod, {
  name: 'TwoFactorMethod',
  valuesMap: {
    EMAIL: { description: 'A six-digit code sent by email at every sign-in.' },
    AUTHENTICATOR_APP: { description: 'A six-digit TOTP code (RFC 6238, SHA-1, 30 s) from an authenticator app.' },
    BACKUP_CODE: {
      description:
        "One of the user's ten single-use backup codes, or an admin-issued one: ten characters from an unambiguous alphabet, shown as xxxxx-xxxxx, accepted in any case, with or without the dash and spaces.",
    },
  },
});
