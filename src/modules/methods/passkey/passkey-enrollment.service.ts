import { Injectable } from '@nestjs/common';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { DomainException } from '../../../common/errors/domain.exception';
import { ClientInfo } from '../../../common/http/request-context';
import { EnrollmentConfirmation, EnrollmentOutcome } from '../../enrollment/enrollment-confirmation.service';
import { EnrollmentStarter } from '../../enrollment/enrollment-starter.service';
import { EventBus } from '../../events/event-bus';
import { SecurityEventType } from '../../security-events/security-event-type';
import { PasskeyEnrollmentModel } from './models/passkey-enrollment.model';
import { cleanPasskeyName, MAX_PASSKEY_NAME } from './passkey-names';
import { PasskeysService } from './passkeys.service';
import { RelyingParty } from './relying-party';

const PASSKEY = TwoFactorMethod.PASSKEY;

/** A name the user typed, or null for the default one; BAD_USER_INPUT naming `field` when too long. */
export function passkeyNameInput(name: string | null | undefined, field = 'name'): string | null {
  const cleaned = cleanPasskeyName(name);
  if (cleaned !== null && cleaned.length > MAX_PASSKEY_NAME) throw DomainException.badInput(field, `A passkey's name has at most ${MAX_PASSKEY_NAME} characters.`);
  return cleaned;
}

/**
 * startPasskeyEnrollment / confirmPasskeyEnrollment: the core starts and
 * confirms (recent authentication, policy, attempt gate, the transaction
 * that turns PASSKEY on); this presents the registration options and
 * records PASSKEY_ADDED.
 */
@Injectable()
export class PasskeyEnrollmentService {
  constructor(
    private readonly starter: EnrollmentStarter,
    private readonly confirmation: EnrollmentConfirmation,
    private readonly relyingParty: RelyingParty,
    private readonly passkeys: PasskeysService,
    private readonly events: EventBus,
  ) {}

  async start(principal: Principal, password: string | null, client: ClientInfo): Promise<PasskeyEnrollmentModel> {
    const started = await this.starter.start(principal, PASSKEY, null, password, client);
    const options = await this.relyingParty.protocol().registrationOptions({
      userId: principal.userId,
      userName: principal.email,
      displayName: principal.email,
      challenge: String(started.state.challenge),
      // The same authenticator cannot be registered twice (it would replace its own discoverable credential).
      exclude: await this.passkeys.list(principal.userId),
    });
    return { options, expiresAt: started.expiresAt };
  }

  async confirm(principal: Principal, credential: unknown, name: string | null | undefined, client: ClientInfo): Promise<EnrollmentOutcome> {
    const cleanName = passkeyNameInput(name);
    const outcome = await this.confirmation.confirm(principal, PASSKEY, { credential, name: cleanName }, client);
    const added = await this.passkeys.findByCredentialId(String((credential as { id?: unknown }).id));
    if (added) {
      await this.events.publish({ type: SecurityEventType.PASSKEY_ADDED, userId: principal.userId, client, details: { passkeyId: added.id, name: added.name } });
    }
    return outcome;
  }
}
