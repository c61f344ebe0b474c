import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { DomainException } from '../../../common/errors/domain.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { ClientInfo } from '../../../common/http/request-context';
import { AttemptGate } from '../../attempts/attempt-gate.service';
import { AuthService } from '../../auth/auth.service';
import { AuthPayloadModel } from '../../auth/models/auth-payload.model';
import { PolicyService } from '../../policy/policy.service';
import { TwoFactorPolicy } from '../../policy/policy.types';
import { UsersService } from '../../users/users.service';
import { PasskeySignInModel } from './models/passkey-sign-in.model';
import { PasskeyAssertions } from './passkey-assertions.service';
import { parseAssertion } from './passkey-credential';
import { RelyingParty } from './relying-party';
import { WebAuthnChallenges } from './webauthn-challenges.service';

const PASSKEY = TwoFactorMethod.PASSKEY;

/**
 * Passwordless sign-in with a discoverable passkey: startPasskeySignIn
 * issues a challenge (no allowCredentials, user verification required),
 * signInWithPasskey finds the user by the credential and its user handle.
 * The sign-in throttle counts it like a password (AuthService), and every
 * failure is the same INVALID_CREDENTIALS.
 */
@Injectable()
export class PasskeySignInService {
  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly challenges: WebAuthnChallenges,
    private readonly assertions: PasskeyAssertions,
    private readonly auth: AuthService,
    private readonly gate: AttemptGate,
    private readonly users: UsersService,
    private readonly policies: PolicyService,
  ) {}

  async start(): Promise<PasskeySignInModel> {
    await this.assertAllowed();
    const row = await this.challenges.issue('passwordless', null, null);
    const options = await this.relyingParty.protocol().authenticationOptions({ challenge: row.challenge, allow: null });
    return { challengeId: row.id, options, expiresAt: row.expiresAt };
  }

  async signIn(challengeId: string, credential: unknown, client: ClientInfo): Promise<AuthPayloadModel> {
    const policy = await this.assertAllowed();
    const parsed = parseAssertion(credential);
    if (!parsed) throw DomainException.badInput('credential', 'This is not a passkey response: pass credential.toJSON() of navigator.credentials.get().');
    return this.auth.signInWithoutPassword(
      client,
      async () => {
        const outcome = await this.assertions.check({ parsed, binding: { purpose: 'passwordless', id: challengeId }, passwordless: true, client });
        if (outcome.status !== 'accepted') return { user: null, userId: outcome.userId };
        const user = await this.users.findById(outcome.passkey.userId);
        if (!user) return { user: null, userId: null };
        // After a valid assertion only: a lockout (failed codes) refuses every sign-in, this one too.
        await this.gate.assertNotLocked(user.id, policy);
        return { user };
      },
      { method: PASSKEY, passwordless: true },
    );
  }

  /** METHOD_NOT_AVAILABLE unless the policy allows PASSKEY and passwordless sign-in, and WebAuthn is configured. */
  private async assertAllowed(): Promise<TwoFactorPolicy> {
    const policy = await this.policies.get();
    if (!policy.allowPasskeySignIn || !policy.allowedMethods.includes(PASSKEY)) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'The security policy does not allow signing in with a passkey alone.');
    }
    this.relyingParty.protocol();
    return policy;
  }
}
