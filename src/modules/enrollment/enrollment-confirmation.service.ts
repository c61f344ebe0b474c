import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { AttemptGate } from '../attempts/attempt-gate.service';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SessionIssuer } from '../auth/session-issuer.service';
import { TwoFactorMethodHandler } from '../methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { PolicyService } from '../policy/policy.service';
import { noPendingEnrollment } from './enrollment-starter.service';
import { MethodActivation } from './method-activation.service';
import { PendingEnrollmentsService } from './pending-enrollments.service';
import { TwoFactorStatus, TwoFactorStatusService } from './two-factor-status.service';

/** What the user answers an enrollment with. */
export interface EnrollmentAnswer {
  code?: string | null;
  credential?: unknown;
  /** A name for what is being registered (passkeys). */
  name?: string | null;
}

export interface EnrollmentOutcome {
  twoFactor: TwoFactorStatus;
  /** The ten backup codes, when this enrollment turned 2FA on. */
  backupCodes: string[] | null;
  /** A new AUTHENTICATED session, when the enrollment was made from a PENDING_ENROLLMENT session. */
  session: AuthPayloadModel | null;
}

/**
 * Confirming an enrollment, for every method alike. The answer is checked
 * inside the attempt gate, like a sign-in code: wrong answers count against
 * the user's attempts, cooldown and lockout, and starting the enrollment
 * again resets nothing. A right one turns the method on (with the method's
 * own state, in one transaction) and, from PENDING_ENROLLMENT, opens the
 * full session.
 */
@Injectable()
export class EnrollmentConfirmation {
  constructor(
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly pending: PendingEnrollmentsService,
    private readonly gate: AttemptGate,
    private readonly activation: MethodActivation,
    private readonly issuer: SessionIssuer,
    private readonly status: TwoFactorStatusService,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async confirm(principal: Principal, method: string, answer: EnrollmentAnswer, client: ClientInfo): Promise<EnrollmentOutcome> {
    const { userId } = principal;
    const policy = await this.policies.get();
    const handler = this.registry.allowedPrimary(method, policy);
    const enrollment = handler.enrollment;
    if (!enrollment) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} cannot be set up here.`);
    // A malformed answer is not checked and costs nothing.
    const { code, credential } = parseAnswer(handler, answer);
    const row = await this.pending.find(userId, method);
    if (!row) throw noPendingEnrollment();
    const now = this.clock.now();
    if (row.expiresAt <= now) throw new DomainException(ErrorCode.CODE_EXPIRED, 'This setup has expired. Start it again.');

    const request = { userId, enrollmentId: row.id, sessionId: principal.sessionId, state: row.state, code, credential, now };
    const { backupCodes } = await this.gate.check({
      userId,
      policy,
      client,
      method,
      stage: 'enrollment',
      evaluate: () => enrollment.check({ ...request, policy, client }),
      accepted: (verdict) =>
        this.activation.enable({
          userId,
          method,
          client,
          within: async (manager) => {
            // Only one of two racing confirmations ends the pending enrollment.
            if (!(await this.pending.consume(manager, row.id))) {
              throw new DomainException(ErrorCode.CODE_EXPIRED, 'This setup was already completed or replaced.');
            }
            await enrollment.persist(manager, { ...request, accepted: verdict.details ?? {}, name: answer.name?.trim() || null });
          },
        }),
    });
    const [session, twoFactor] = await Promise.all([this.issuer.completeEnrollment(principal, client), this.status.getStatus(userId)]);
    return { twoFactor, backupCodes, session };
  }
}

/** The normalised code or parsed credential; BAD_USER_INPUT (no attempt spent) when it cannot be one. */
export function parseAnswer(handler: TwoFactorMethodHandler, answer: { code?: string | null; credential?: unknown }): { code: string | null; credential: unknown } {
  if (handler.answers === 'credential') {
    const credential = answer.credential === undefined || answer.credential === null ? null : handler.parseCredential?.(answer.credential) ?? null;
    if (credential === null) throw DomainException.badInput('credential', 'This is not a credential of this method: pass credential.toJSON() of the browser.');
    return { code: null, credential };
  }
  const code = typeof answer.code === 'string' ? handler.normalizeCode(answer.code) : null;
  if (code === null) throw DomainException.badInput('code', 'This is not a code of this method: check what you typed.');
  return { code, credential: null };
}
