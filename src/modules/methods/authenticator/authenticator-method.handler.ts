import { generateTotpSecret, verifyTotp } from '@app/totp';
import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { normalizeSixDigitCode } from '../six-digit-code';
import { MethodEnrollment, TwoFactorMethodHandler, VerificationOutcome, VerificationRequest } from '../two-factor-method.handler';
import { UserMethodsService } from '../user-methods/user-methods.service';
import { AuthenticatorSecretsService } from './authenticator-secrets.service';

/** Codes accepted this many 30-second steps early or late (clock drift). */
export const TOTP_WINDOW = 1;
/** Time to scan the QR code and type a first code. */
export const AUTHENTICATOR_ENROLLMENT_MINUTES = 15;

/** AUTHENTICATOR_APP: a TOTP code (RFC 6238, SHA-1, 6 digits, 30 s); nothing to send. */
@Injectable()
@TwoFactorMethodHandler()
export class AuthenticatorMethodHandler implements TwoFactorMethodHandler {
  readonly method = TwoFactorMethod.AUTHENTICATOR_APP;
  readonly primary = true;

  constructor(
    private readonly secrets: AuthenticatorSecretsService,
    private readonly userMethods: UserMethodsService,
  ) {}

  isEnabled(userId: string): Promise<boolean> {
    return this.userMethods.isEnabled(userId, this.method);
  }

  normalizeCode(input: string): string | null {
    return normalizeSixDigitCode(input);
  }

  /**
   * Accepts a code of a step newer than the last used one, then claims that
   * step with a conditional UPDATE: of two requests with the same code, one
   * is accepted.
   */
  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    // The secret is there exactly while the method is on: without it, the user has not this method.
    const row = await this.secrets.find(request.userId);
    if (!row) return { status: 'unavailable' };
    const secretBase32 = this.secrets.unseal(request.userId, row.sealedSecret);
    if (!secretBase32) return { status: 'refused' };
    const match = verifyTotp({ secretBase32, code: request.code, now: request.now, window: TOTP_WINDOW, afterStep: row.lastUsedStep });
    if (!match) return { status: 'refused' };
    return (await this.secrets.advance(request.userId, match.step)) ? { status: 'accepted' } : { status: 'refused' };
  }

  async disable(userId: string): Promise<void> {
    await this.userMethods.remove(userId, this.method);
    await this.secrets.delete(userId);
  }

  /**
   * Set up with a new secret (shown once, as a QR code) and a first code from
   * the app; that code's time step counts as used.
   */
  readonly enrollment: MethodEnrollment = {
    lifetimeMinutes: () => AUTHENTICATOR_ENROLLMENT_MINUTES,
    begin: async () => ({ secret: generateTotpSecret() }),
    check: async (request) => {
      const secretBase32 = typeof request.state.secret === 'string' ? request.state.secret : null;
      const match = secretBase32 ? verifyTotp({ secretBase32, code: request.code ?? '', now: request.now, window: TOTP_WINDOW }) : null;
      return match ? { status: 'accepted', details: { step: match.step } } : { status: 'refused' };
    },
    persist: async (manager, request) => {
      await this.secrets.store(manager, request.userId, String(request.state.secret), Number(request.accepted.step), request.now);
    },
  };
}
