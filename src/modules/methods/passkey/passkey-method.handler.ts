import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { DomainException } from '../../../common/errors/domain.exception';
import { isDuplicateKey } from '../../../database/insert-rows';
import {
  EnrollmentBeginRequest,
  EnrollmentCheckRequest,
  EnrollmentPersistRequest,
  EnrollmentState,
  MethodEnrollment,
  TwoFactorMethodHandler,
  VerificationOutcome,
  VerificationRequest,
} from '../two-factor-method.handler';
import { UserMethodsService } from '../user-methods/user-methods.service';
import { PasskeyAssertions } from './passkey-assertions.service';
import { ParsedCredential, parseAssertion, parseRegistration } from './passkey-credential';
import { defaultPasskeyName } from './passkey-names';
import { PasskeysService } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { WebAuthnChallenges } from './webauthn-challenges.service';
import { CHALLENGE_MINUTES } from './webauthn-protocol';

const PASSKEY = TwoFactorMethod.PASSKEY;

/** What parseCredential makes of credential.toJSON(): an assertion (sign-in) or a registration (enrollment). */
export type PasskeyAnswer =
  | ({ kind: 'assertion' } & ParsedCredential<AuthenticationResponseJSON>)
  | ({ kind: 'registration' } & ParsedCredential<RegistrationResponseJSON>);

/**
 * PASSKEY: a WebAuthn credential, answered with a signature instead of a
 * code. A method like any other: the core runs it through the attempt gate
 * (a failed or replayed assertion costs an attempt), the policy and the
 * enrollment flow; a user may register several (repeatable).
 */
@Injectable()
@TwoFactorMethodHandler()
export class PasskeyMethodHandler implements TwoFactorMethodHandler {
  readonly method = PASSKEY;
  readonly primary = true;
  readonly answers = 'credential';

  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly assertions: PasskeyAssertions,
    private readonly challenges: WebAuthnChallenges,
    private readonly passkeys: PasskeysService,
    private readonly userMethods: UserMethodsService,
  ) {}

  /** METHOD_NOT_AVAILABLE without WebAuthn configured (production without WEBAUTHN_RP_ID). */
  async assertAvailable(): Promise<void> {
    this.relyingParty.protocol();
  }

  isEnabled(userId: string): Promise<boolean> {
    return this.userMethods.isEnabled(userId, PASSKEY);
  }

  /** Never a typed code. */
  normalizeCode(): string | null {
    return null;
  }

  parseCredential(input: unknown): PasskeyAnswer | null {
    const assertion = parseAssertion(input);
    if (assertion) return { kind: 'assertion', ...assertion };
    const registration = parseRegistration(input);
    return registration ? { kind: 'registration', ...registration } : null;
  }

  /** An assertion answering the pending sign-in's challenge (TwoFactorChallenge.passkeyOptions), by one of the user's passkeys. */
  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    if (!(await this.isEnabled(request.userId))) return { status: 'unavailable' };
    const answer = request.credential as PasskeyAnswer;
    if (answer.kind !== 'assertion') return { status: 'refused' };
    const outcome = await this.assertions.check({
      parsed: answer,
      binding: { purpose: 'second-factor', sessionId: request.challengeId, userId: request.userId },
      userId: request.userId,
      passwordless: false,
      client: request.client,
    });
    return outcome.status === 'accepted' ? { status: 'accepted', details: { passkeyId: outcome.passkey.id } } : { status: 'refused' };
  }

  /** Every passkey of the user goes (turning PASSKEY off, an admin reset), with the challenges issued to them. */
  async disable(userId: string): Promise<void> {
    await this.userMethods.remove(userId, PASSKEY);
    await this.passkeys.deleteForUser(userId);
    await this.challenges.deleteForUser(userId);
  }

  /**
   * Registering a passkey: begin issues a registration challenge bound to
   * the enrolling session (the options are built from it by the resolver),
   * check verifies the attestation ('none' asked) and consumes the
   * challenge, persist stores the credential.
   */
  readonly enrollment: MethodEnrollment = {
    repeatable: true,
    lifetimeMinutes: () => CHALLENGE_MINUTES,
    begin: async (request: EnrollmentBeginRequest): Promise<EnrollmentState> => {
      const row = await this.challenges.issue('registration', request.userId, request.sessionId);
      return { challengeId: row.id, challenge: row.challenge };
    },
    check: async (request: EnrollmentCheckRequest): Promise<VerificationOutcome> => {
      const answer = request.credential as PasskeyAnswer;
      if (answer.kind !== 'registration') return { status: 'refused' };
      const binding = { purpose: 'registration' as const, id: String(request.state.challengeId), userId: request.userId, sessionId: request.sessionId };
      if (!(await this.challenges.consume(answer.challenge, binding))) return { status: 'refused' };
      const verified = await this.relyingParty.protocol().verifyRegistration(answer.json, answer.challenge);
      if (!verified) return { status: 'refused' };
      if (await this.passkeys.findByCredentialId(verified.credentialId)) throw alreadyRegistered();
      const { transports, discoverable, ...facts } = verified;
      return {
        status: 'accepted',
        details: {
          ...facts,
          transports: transports ?? '',
          ...(discoverable !== null && { discoverable }),
          defaultName: defaultPasskeyName(verified.aaguid, request.client?.userAgent),
        },
      };
    },
    persist: async (manager, request: EnrollmentPersistRequest): Promise<void> => {
      const facts = request.accepted;
      try {
        await this.passkeys.insert(manager, {
          id: randomUUID(),
          userId: request.userId,
          credentialId: String(facts.credentialId),
          publicKey: String(facts.publicKey),
          signCount: Number(facts.signCount),
          transports: String(facts.transports) || null,
          aaguid: String(facts.aaguid),
          backupEligible: facts.backupEligible === true,
          backedUp: facts.backedUp === true,
          userVerified: facts.userVerified === true,
          discoverable: typeof facts.discoverable === 'boolean' ? facts.discoverable : null,
          name: request.name ?? String(facts.defaultName),
          createdAt: request.now,
        });
      } catch (error) {
        if (isDuplicateKey(error)) throw alreadyRegistered();
        throw error;
      }
    },
  };
}

function alreadyRegistered(): DomainException {
  return DomainException.badInput('credential', 'This passkey is already registered.');
}
