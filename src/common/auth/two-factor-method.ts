import { registerEnumType } from '@nestjs/graphql';

/** The second factors the contract names. Method providers are keyed by these values. */
export enum TwoFactorMethod {
  EMAIL = 'EMAIL',
  AUTHENTICATOR_APP = 'AUTHENTICATOR_APP',
  BACKUP_CODE = 'BACKUP_CODE',
  PASSKEY = 'PASSKEY',
}

/** Kept by reference: the schema reads it (and the enum object) when the app starts. */
const VALUES_MAP: Record<string, { description?: string }> = {
  EMAIL: { description: 'A six-digit code sent by email at every sign-in.' },
  AUTHENTICATOR_APP: { description: 'A six-digit TOTP code (RFC 6238, SHA-1, 30 s) from an authenticator app.' },
  BACKUP_CODE: {
    description:
      "One of the user's ten single-use backup codes, or an admin-issued one: ten characters from an unambiguous alphabet, shown as xxxxx-xxxxx, accepted in any case, with or without the dash and spaces.",
  },
  PASSKEY: { description: 'A passkey or security key (WebAuthn): verifyTwoFactor takes the AuthenticationResponseJSON in `credential` instead of a code.' },
};

registerEnumType(TwoFactorMethod, { name: 'TwoFactorMethod', description: 'A second factor.', valuesMap: VALUES_MAP });

const CONTRACT_METHODS: readonly string[] = Object.values(TwoFactorMethod);

/** VerifyTwoFactorInput.credential, as the contract describes it. */
export const VERIFY_CREDENTIAL_DESCRIPTION = 'For PASSKEY: the AuthenticationResponseJSON answering challenge.passkeyOptions.';

/** VerifyTwoFactorInput.code, as the contract describes it. */
export const VERIFY_CODE_DESCRIPTION =
  'Six ASCII digits for EMAIL and AUTHENTICATOR_APP (spaces ignored); any other form is BAD_USER_INPUT and costs no attempt. Required for every method but PASSKEY.';

/**
 * Makes an integrator's method (e.g. 'SMS') a value of the GraphQL enum
 * TwoFactorMethod, so clients can name it in verifyTwoFactor, policies and
 * TwoFactorStatus. Call it at import time of the module that provides the
 * method's handler, before the application is created: the schema is built
 * at start from the enum as it is then. The contract's values cannot be
 * changed.
 */
export function registerTwoFactorMethodName(name: string, description?: string): void {
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(name)) {
    throw new TypeError(`A method name is an upper-case GraphQL enum value of at most 32 characters (got "${name}")`);
  }
  if (CONTRACT_METHODS.includes(name)) throw new TypeError(`${name} is one of the contract's methods already`);
  (TwoFactorMethod as unknown as Record<string, string>)[name] = name; // idempotent
  VALUES_MAP[name] = { description: description ?? `An integrator's method (${name}).` };
}
