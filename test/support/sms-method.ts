/**
 * An integrator's second factor, made up for the tests: SMS. It shows the
 * extension point end to end without touching the core:
 *  - registerTwoFactorMethodName('SMS') (at import, before the app starts)
 *    makes SMS a value of the GraphQL enum TwoFactorMethod;
 *  - SmsMethodHandler, marked @TwoFactorMethodHandler(), is found by the
 *    registry like the built-in methods (deliver, verify, cancel, disable);
 *  - SmsEnrollment is the integrator's own enrollment, which ends in
 *    EnrollmentService.enableMethod (policy check, first-method backup
 *    codes, METHOD_ENABLED), and isEnabled answers from UserMethodsService.
 *
 * Use: startTestApp({ imports: [SmsTestModule] }), then enableSms(t, userId)
 * and, after a sign-in that delivered an SMS, lastSmsCode(t, userId).
 */
import { addMinutes } from '@app/clock';
import { randomDigits } from '@app/crypto';
import { Injectable, Module } from '@nestjs/common';
import { registerTwoFactorMethodName } from '../../src/common/auth/two-factor-method';
import { EnableMethodResult, MethodActivation } from '../../src/modules/enrollment/method-activation.service';
import { EnrollmentModule } from '../../src/modules/enrollment/enrollment.module';
import { MethodsModule } from '../../src/modules/methods/methods.module';
import { normalizeSixDigitCode } from '../../src/modules/methods/six-digit-code';
import {
  CancelRequest,
  DeliveryReceipt,
  DeliveryRequest,
  TwoFactorMethodHandler,
  VerificationOutcome,
  VerificationRequest,
} from '../../src/modules/methods/two-factor-method.handler';
import { UserMethodsService } from '../../src/modules/methods/user-methods/user-methods.service';
import { PolicyService } from '../../src/modules/policy/policy.service';
import type { TestApp } from './app';

export const SMS = 'SMS';
registerTwoFactorMethodName(SMS, 'A six-digit code sent by text message (a test integration).');

export interface SentSms {
  to: string;
  userId: string;
  challengeId: string;
  code: string;
}

/** The "SMS gateway": messages the tests read. */
@Injectable()
export class SmsOutbox {
  readonly messages: SentSms[] = [];
}

/**
 * Codes live in memory: enough for one test instance (a real integration
 * would keep them in its own table, hashed, like the email method).
 */
@Injectable()
@TwoFactorMethodHandler()
export class SmsMethodHandler implements TwoFactorMethodHandler {
  readonly method = SMS;
  readonly primary = true;
  private readonly phones = new Map<string, string>();
  private readonly codes = new Map<string, { userId: string; code: string; expiresAt: Date }>();

  constructor(
    private readonly userMethods: UserMethodsService,
    private readonly outbox: SmsOutbox,
  ) {}

  setPhone(userId: string, phone: string): void {
    this.phones.set(userId, phone);
  }

  isEnabled(userId: string): Promise<boolean> {
    return this.userMethods.isEnabled(userId, SMS);
  }

  normalizeCode(input: string): string | null {
    return normalizeSixDigitCode(input);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const phone = this.phones.get(request.userId) ?? '+10000000000';
    const code = randomDigits(6);
    const expiresAt = addMinutes(request.now, request.policy.emailCodeTtlMinutes);
    this.codes.set(request.challengeId, { userId: request.userId, code, expiresAt });
    this.outbox.messages.push({ to: phone, userId: request.userId, challengeId: request.challengeId, code });
    return { sentTo: `${phone.slice(0, 3)}***${phone.slice(-2)}`, expiresAt };
  }

  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    // No await between the read and the delete: single use within this process.
    const entry = this.codes.get(request.challengeId);
    if (!entry || entry.userId !== request.userId || entry.code !== request.code) return { status: 'refused' };
    if (entry.expiresAt <= request.now) return { status: 'expired' };
    this.codes.delete(request.challengeId);
    return { status: 'accepted' };
  }

  async cancel(request: CancelRequest): Promise<void> {
    this.codes.delete(request.challengeId);
  }

  async disable(userId: string): Promise<void> {
    await this.userMethods.remove(userId, SMS);
    this.phones.delete(userId);
  }
}

/** The integrator's enrollment: a real one would text a code first; the test trusts the number. */
@Injectable()
export class SmsEnrollment {
  constructor(
    private readonly handler: SmsMethodHandler,
    private readonly enrollment: MethodActivation,
  ) {}

  enable(userId: string, phone: string): Promise<EnableMethodResult> {
    return this.enrollment.enable({ userId, method: SMS, client: null, within: async () => this.handler.setPhone(userId, phone) });
  }
}

@Module({
  imports: [EnrollmentModule, MethodsModule],
  providers: [SmsOutbox, SmsMethodHandler, SmsEnrollment],
  exports: [SmsOutbox, SmsMethodHandler, SmsEnrollment],
})
export class SmsTestModule {}

/** Adds SMS to the policy's allowedMethods (an admin would do it with updateTwoFactorPolicy). */
export async function allowSms(t: TestApp): Promise<void> {
  const policy = t.app.get(PolicyService);
  const { updatedAt: _updatedAt, ...current } = await policy.get();
  if (current.allowedMethods.includes(SMS)) return;
  await policy.save({ ...current, allowedMethods: [...current.allowedMethods, SMS] }, t.clock.now());
}

/** Turns SMS on for the user (allowing it in the policy first). Returns the backup codes when it was the first method. */
export async function enableSms(t: TestApp, userId: string, phone = '+15550100001'): Promise<EnableMethodResult> {
  await allowSms(t);
  return t.app.get(SmsEnrollment).enable(userId, phone);
}

/** The code of the last SMS sent to the user. */
export function lastSmsCode(t: TestApp, userId: string): string {
  const sent = t.app.get(SmsOutbox).messages.filter((m) => m.userId === userId);
  if (sent.length === 0) throw new Error(`No SMS was sent to user ${userId}`);
  return sent[sent.length - 1].code;
}
