import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@app/clock';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { ClientInfo } from '../../../common/http/request-context';
import { EventBus } from '../../events/event-bus';
import { PasskeyEntity } from './entities/passkey.entity';
import { ParsedCredential } from './passkey-credential';
import { PasskeysService } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { ChallengeBinding, WebAuthnChallenges } from './webauthn-challenges.service';
import { userHandleOf } from './webauthn-protocol';

/**
 * Recorded when a passkey's signature counter does not move forward: the
 * signature is the passkey's, so its private key may have been copied to
 * another authenticator (WebAuthn §6.1.1). The assertion is refused.
 */
export const PASSKEY_CLONE_SUSPECTED = 'PASSKEY_CLONE_SUSPECTED';

export type AssertionOutcome =
  | { status: 'accepted'; passkey: PasskeyEntity }
  /** userId: the owner of the passkey the response named, when there is one (for the audit log only). */
  | { status: 'refused'; userId: string | null };

export interface AssertionCheck {
  parsed: ParsedCredential<AuthenticationResponseJSON>;
  /** The challenge the response must answer (consumed, whatever follows). */
  binding: ChallengeBinding;
  /** Second factor: the passkey must be this user's. */
  userId?: string;
  /** Passwordless: the user handle must match the passkey's user, and the authenticator must verify the user. */
  passwordless: boolean;
  client: ClientInfo | null;
}

/**
 * Checks a passkey assertion, as a second factor or passwordless: the
 * challenge is consumed first (each answers once, right or wrong), then the
 * credential must be a stored passkey (the user's own, for a second factor),
 * the response must verify for this relying party (origin, RP ID hash, user
 * presence, signature, user verification when passwordless), and the
 * signature counter must move forward, atomically.
 */
@Injectable()
export class PasskeyAssertions {
  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly challenges: WebAuthnChallenges,
    private readonly passkeys: PasskeysService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async check(check: AssertionCheck): Promise<AssertionOutcome> {
    const protocol = this.relyingParty.protocol();
    const { parsed } = check;
    if (!(await this.challenges.consume(parsed.challenge, check.binding))) return refused(null);
    const passkey = await this.passkeys.findByCredentialId(parsed.json.id);
    if (!passkey) return refused(null);
    // Another user's passkey answers nothing for this one.
    if (check.userId !== undefined && passkey.userId !== check.userId) return refused(check.userId);
    if (check.passwordless && parsed.json.response.userHandle !== userHandleOf(passkey.userId)) return refused(passkey.userId);
    const verified = await protocol.verifyAssertion(parsed.json, parsed.challenge, passkey, check.passwordless);
    if (!verified) return refused(passkey.userId);

    // The counter must move forward (or both stay 0): checked by the conditional UPDATE itself, so two uses racing count once.
    const recorded = await this.passkeys.recordUse({
      id: passkey.id,
      signCount: verified.signCount,
      backedUp: verified.backedUp,
      discoverable: check.passwordless,
      now: this.clock.now(),
    });
    if (!recorded) {
      await this.events.publish({
        type: PASSKEY_CLONE_SUSPECTED,
        userId: passkey.userId,
        client: check.client,
        details: { passkeyId: passkey.id, name: passkey.name, storedCount: passkey.signCount, receivedCount: verified.signCount },
      });
      return refused(passkey.userId);
    }
    return { status: 'accepted', passkey: { ...passkey, signCount: verified.signCount } };
  }
}

function refused(userId: string | null): AssertionOutcome {
  return { status: 'refused', userId };
}
