import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { AttemptGate } from '../attempts/attempt-gate.service';
import { PasswordConfirmation } from '../auth/password-confirmation.service';
import { CodeDelivery } from '../methods/code-delivery.service';
import { EnrollmentState, TwoFactorMethodHandler } from '../methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { alreadyOnError } from './method-activation.service';
import { PendingEnrollment, PendingEnrollmentsService } from './pending-enrollments.service';

/** A started enrollment, for the method's resolver to present. */
export interface StartedEnrollment {
  id: string;
  /** What the method's begin() made (e.g. the new TOTP secret, shown once). */
  state: EnrollmentState;
  expiresAt: Date;
  /** Masked destination of the code, for delivering methods. */
  sentTo: string | null;
  /** When resend will next be accepted, for delivering methods. */
  resendAvailableAt: Date | null;
}

/**
 * Starting (and, for methods that send a code, resending) an enrollment,
 * for every method alike: recent authentication, the policy, one pending
 * enrollment per method, and each code charged to the user's send budget.
 * A start within the resend cooldown sends nothing new.
 */
@Injectable()
export class EnrollmentStarter {
  constructor(
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly pending: PendingEnrollmentsService,
    private readonly delivery: CodeDelivery,
    private readonly gate: AttemptGate,
    private readonly passwords: PasswordConfirmation,
    private readonly userMethods: UserMethodsService,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async start(principal: Principal, method: string, input: unknown, password: string | null | undefined, client: ClientInfo): Promise<StartedEnrollment> {
    const policy = await this.policies.get();
    const handler = this.registry.allowedPrimary(method, policy);
    const enrollment = handler.enrollment;
    if (!enrollment) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} cannot be set up here.`);
    await handler.assertAvailable?.();
    await this.passwords.assertRecent(principal, password, client);
    const { userId, email } = principal;
    if (!enrollment.repeatable && (await this.userMethods.isEnabled(userId, method))) throw alreadyOnError(method);

    // Nothing is set up (or sent) for a locked account.
    await this.gate.assertNotLocked(userId, policy);
    const now = this.clock.now();
    const existing = await this.pending.find(userId, method);
    if (handler.deliver) {
      // Asked again while the last code is fresh: the enrollment under way, no second message.
      const resendAvailableAt = existing?.lastSentAt ? addSeconds(existing.lastSentAt, policy.resendCooldownSeconds) : null;
      if (existing && existing.expiresAt > now && resendAvailableAt && resendAvailableAt > now) return view(existing, resendAvailableAt);
    }

    const id = randomUUID();
    const state = await enrollment.begin({ userId, email, enrollmentId: id, sessionId: principal.sessionId, input, now, policy });
    const created = await this.pending.replace({ id, userId, method, state, createdAt: now, expiresAt: addMinutes(now, enrollment.lifetimeMinutes(policy)) });
    if (existing) await handler.cancel?.({ userId, challengeId: existing.id });
    if (!handler.deliver) return view(created, null);
    try {
      return await this.send(handler, principal, created, policy);
    } catch (error) {
      await this.pending.delete(id);
      throw error;
    }
  }

  /** A new code replacing the last, once policy.resendCooldownSeconds have passed (RESEND_TOO_SOON before). */
  async resend(principal: Principal, method: string): Promise<StartedEnrollment> {
    const policy = await this.policies.get();
    const handler = this.registry.allowedPrimary(method, policy);
    if (!handler.deliver) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} sends no code.`);
    await handler.assertAvailable?.();
    const row = await this.pending.find(principal.userId, method);
    if (!row || row.expiresAt <= this.clock.now()) throw noPendingEnrollment();
    await this.gate.assertNotLocked(principal.userId, policy);
    return this.send(handler, principal, row, policy);
  }

  /** Claims the send on the pending row (the cooldown), charges the budget, sends; gives both back on failure. */
  private async send(handler: TwoFactorMethodHandler, principal: Principal, row: PendingEnrollment, policy: TwoFactorPolicy): Promise<StartedEnrollment> {
    const now = this.clock.now();
    const expiresAt = addMinutes(now, handler.enrollment!.lifetimeMinutes(policy));
    if (!(await this.pending.claimSend(row.id, policy.resendCooldownSeconds, expiresAt))) {
      const current = await this.pending.find(principal.userId, handler.method);
      if (!current || current.id !== row.id || !current.lastSentAt) throw noPendingEnrollment();
      const retryAfterSeconds = Math.max(1, secondsUntil(addSeconds(current.lastSentAt, policy.resendCooldownSeconds), now));
      throw new DomainException(ErrorCode.RESEND_TOO_SOON, `Please wait ${retryAfterSeconds} seconds before asking for another code.`, { retryAfterSeconds });
    }
    const request = { userId: principal.userId, email: principal.email, challengeId: row.id, purpose: 'enrollment' as const, state: row.state, now, policy };
    const result = await this.delivery.sendOrRefuse(handler, request, () => this.pending.unclaimSend(row.id, now, row));
    await this.pending.recordDestination(row.id, result.sentTo);
    return { id: row.id, state: row.state, expiresAt, sentTo: result.sentTo, resendAvailableAt: addSeconds(now, policy.resendCooldownSeconds) };
  }
}

function view(row: PendingEnrollment, resendAvailableAt: Date | null): StartedEnrollment {
  return { id: row.id, state: row.state, expiresAt: row.expiresAt, sentTo: row.sentTo, resendAvailableAt };
}

export function noPendingEnrollment(): DomainException {
  return new DomainException(ErrorCode.CODE_EXPIRED, 'No setup is pending: it expired, was completed or was never started. Start it again.');
}
