import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { WebAuthnConfig } from '../../../config/app-config';
import { describeError } from '../../../common/errors/describe-error';

/** ES256, EdDSA, RS256 (COSE ids), in the order an authenticator should prefer them. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];
/** How long a browser may take, and how long a challenge lives. */
export const CHALLENGE_MINUTES = 5;

/** The user handle of a user's passkeys: their id, as bytes (no personal data; the same for every passkey of theirs). */
export function userHandleOf(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url');
}

/** A new random challenge, base64url. */
export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

/** A passkey as the protocol needs it to check an assertion. */
export interface StoredCredential {
  credentialId: string;
  publicKey: string;
  transports: string | null;
}

/** What a verified registration tells, to be stored. */
export interface VerifiedRegistration {
  credentialId: string;
  publicKey: string;
  signCount: number;
  transports: string | null;
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  userVerified: boolean;
  discoverable: boolean | null;
}

/** What a verified assertion tells. */
export interface VerifiedAssertion {
  signCount: number;
  userVerified: boolean;
  backedUp: boolean;
}

/**
 * The WebAuthn protocol, all of it done by @simplewebauthn/server: options
 * for the browser, and verification of what it sends back against this
 * relying party (origin in WEBAUTHN_ORIGINS, RP ID hash, user presence,
 * signature). No state: challenges and credentials are the callers'.
 * Attestation is not asked for ('none'), so nothing identifies the device.
 */
export class WebAuthnProtocol {
  private readonly logger = new Logger('WebAuthn');

  constructor(private readonly relyingParty: WebAuthnConfig) {}

  registrationOptions(input: {
    userId: string;
    userName: string;
    displayName: string;
    challenge: string;
    exclude: StoredCredential[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.relyingParty.rpName,
      rpID: this.relyingParty.rpId,
      userID: Buffer.from(input.userId, 'utf8'),
      userName: input.userName,
      userDisplayName: input.displayName,
      challenge: Buffer.from(input.challenge, 'base64url'),
      timeout: CHALLENGE_MINUTES * 60_000,
      attestationType: 'none',
      excludeCredentials: input.exclude.map((c) => ({ id: c.credentialId, transports: transportsOf(c) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  }

  /** allowCredentials: the user's passkeys (second factor); none at all for a passwordless sign-in, which then requires user verification. */
  authenticationOptions(input: { challenge: string; allow: StoredCredential[] | null }): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.relyingParty.rpId,
      challenge: Buffer.from(input.challenge, 'base64url'),
      timeout: CHALLENGE_MINUTES * 60_000,
      userVerification: input.allow ? 'preferred' : 'required',
      ...(input.allow && { allowCredentials: input.allow.map((c) => ({ id: c.credentialId, transports: transportsOf(c) })) }),
    });
  }

  /** The registration's facts, or null when it does not verify (wrong origin, RP ID, challenge, no user presence...). */
  async verifyRegistration(response: RegistrationResponseJSON, expectedChallenge: string): Promise<VerifiedRegistration | null> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.rpId,
        requireUserPresence: true,
        requireUserVerification: false,
        supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
      });
      if (!result.verified) return null;
      const info = result.registrationInfo;
      const transports = response.response.transports?.filter((t) => /^[a-z-]{1,16}$/.test(t)).join(',') || null;
      return {
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        signCount: info.credential.counter,
        transports,
        aaguid: info.aaguid,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
        userVerified: info.userVerified,
        discoverable: typeof response.clientExtensionResults?.credProps?.rk === 'boolean' ? response.clientExtensionResults.credProps.rk : null,
      };
    } catch (error) {
      this.logger.debug(`A passkey registration was refused: ${describeError(error)}`);
      return null;
    }
  }

  /**
   * The assertion's facts, or null when it does not verify against this
   * passkey (another key's signature, wrong origin or RP ID, no user
   * presence; no user verification when `requireUserVerification`). The
   * sign counter is left to the caller, who compares it atomically.
   */
  async verifyAssertion(
    response: AuthenticationResponseJSON,
    expectedChallenge: string,
    credential: StoredCredential,
    requireUserVerification: boolean,
  ): Promise<VerifiedAssertion | null> {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.relyingParty.origins,
        expectedRPID: this.relyingParty.rpId,
        // Counter 0 here: the library would refuse a regression before checking the signature; the caller compares it after.
        credential: { id: credential.credentialId, publicKey: Buffer.from(credential.publicKey, 'base64url'), counter: 0 },
        requireUserVerification,
      });
      if (!result.verified) return null;
      const info = result.authenticationInfo;
      return { signCount: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
    } catch (error) {
      this.logger.debug(`A passkey assertion was refused: ${describeError(error)}`);
      return null;
    }
  }
}

function transportsOf(credential: StoredCredential): string[] | undefined {
  return credential.transports ? credential.transports.split(',') : undefined;
}
