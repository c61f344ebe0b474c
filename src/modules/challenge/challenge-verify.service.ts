import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { AttemptGate } from '../attempts/attempt-gate.service';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SessionIssuer } from '../auth/session-issuer.service';
import { SessionsService } from '../auth/sessions.service';
import { parseAnswer } from '../enrollment/enrollment-confirmation.service';
import { TwoFactorMethodHandler } from '../methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';

export interface VerifyRequest {
  method: string;
  code?: string | null;
  credential?: unknown;
  rememberDevice: boolean;
}

/**
 * verifyTwoFactor: checks an answer through its method's handler (never by
 * method name) inside the attempt gate. A malformed answer, a method the
 * user lacks or the policy does not allow, or a refused rememberDevice cost
 * nothing; while a cooldown or lockout runs, that is the answer whatever was
 * entered (the seeds: "Please try again in five minutes").
 */
@Injectable()
export class ChallengeVerify {
  constructor(
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly gate: AttemptGate,
    private readonly policies: PolicyService,
    private readonly sessions: SessionsService,
    private readonly issuer: SessionIssuer,
    private readonly trustedDevices: TrustedDevicesService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async verify(principal: Principal, request: VerifyRequest, client: ClientInfo): Promise<AuthPayloadModel> {
    const { userId, sessionId } = principal;
    const found = this.registry.get(request.method) ?? null;
    const policy = await this.policies.get();
    let checked: { handler: TwoFactorMethodHandler; code: string; credential: unknown };
    try {
      checked = this.checkBeforeAttempt(found, request, policy);
    } catch (error) {
      await this.gate.assertNoWait(userId, policy);
      throw error;
    }
    const { handler, code, credential } = checked;
    // The session is live and pending: the guard has just read it for this very field (guards run per
    // field, so an earlier aliased field that ended it is seen), and the success below ends it conditionally.
    return this.gate.check({
      userId,
      policy,
      client,
      method: handler.method,
      stage: 'sign-in',
      evaluate: () => handler.verify({ userId, challengeId: sessionId, code, credential, now: this.clock.now(), policy, client }),
      accepted: async (verdict, settle) => {
        // Only the request that ends the pending session goes on: two racing successes mint one session.
        if (!(await this.sessions.revoke(sessionId))) throw new DomainException(ErrorCode.UNAUTHENTICATED);
        // The pending session is over, so what was delivered for it can no longer be used: retention deletes it.
        const [payload] = await Promise.all([this.issuer.authenticatedAfterPending(userId, client, { method: handler.method }), settle()]);
        // A code an admin issued gets the user in once; it never makes the device trusted.
        if (!request.rememberDevice || verdict.trustsDevice === false) return payload;
        try {
          const device = await this.trustedDevices.trust(userId, client);
          return { ...payload, trustedDeviceToken: device.token, trustedDeviceExpiresAt: device.expiresAt };
        } catch (error) {
          // The policy changed to EVERY_LOGIN meanwhile: signed in, just not remembered.
          if (error instanceof DomainException) return payload;
          throw error;
        }
      },
    });
  }

  /** The handler and the normalised answer, or why this entry cannot be checked at all (it then costs no attempt). */
  private checkBeforeAttempt(handler: TwoFactorMethodHandler | null, request: VerifyRequest, policy: TwoFactorPolicy) {
    if (!handler) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE);
    const { code, credential } = parseAnswer(handler, request);
    if (request.rememberDevice && TrustedDevicesService.rememberDeviceDays(policy) === null) {
      throw DomainException.badInput('rememberDevice', 'The security policy asks for a second factor at every sign-in: this device cannot be remembered.');
    }
    // Fallbacks (backup codes) are always offered: an admin may issue one at any time.
    if (handler.primary && !policy.allowedMethods.includes(handler.method)) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'The security policy does not allow this method: use another one or a backup code.');
    }
    return { handler, code: code ?? '', credential };
  }
}
