import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { MailService } from '../../mail/mail.service';
import { maskEmail } from '../../users/email';
import { normalizeSixDigitCode } from '../six-digit-code';
import {
  CancelRequest,
  DeliveryReceipt,
  DeliveryRequest,
  EnrollmentCheckRequest,
  EnrollmentState,
  MethodEnrollment,
  TwoFactorMethodHandler,
  VerificationOutcome,
  VerificationRequest,
} from '../two-factor-method.handler';
import { UserMethodsService } from '../user-methods/user-methods.service';
import { EmailCodesService } from './email-codes.service';

/** EMAIL: a six-digit code sent to the user's address, for each sign-in and to set the method up. */
@Injectable()
@TwoFactorMethodHandler()
export class EmailMethodHandler implements TwoFactorMethodHandler {
  readonly method = TwoFactorMethod.EMAIL;
  readonly primary = true;
  readonly sendsTo = 'email';

  constructor(
    private readonly codes: EmailCodesService,
    private readonly userMethods: UserMethodsService,
    private readonly mail: MailService,
  ) {}

  /** Without a mail server no code can reach anyone: SMTP_NOT_CONFIGURED. */
  assertAvailable(): Promise<void> {
    return this.mail.assertCanSend();
  }

  isEnabled(userId: string): Promise<boolean> {
    return this.userMethods.isEnabled(userId, this.method);
  }

  normalizeCode(input: string): string | null {
    return normalizeSixDigitCode(input);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const expiresAt = await this.codes.issue({
      userId: request.userId,
      email: request.email,
      challengeId: request.challengeId,
      purpose: request.purpose ?? 'sign-in',
      ttlMinutes: request.policy.emailCodeTtlMinutes,
      now: request.now,
    });
    return { sentTo: maskEmail(request.email), expiresAt };
  }

  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    if (!(await this.isEnabled(request.userId))) return { status: 'unavailable' };
    const status = await this.codes.check({
      userId: request.userId,
      challengeId: request.challengeId,
      purpose: 'sign-in',
      code: request.code,
      now: request.now,
    });
    return { status };
  }

  async cancel(request: CancelRequest): Promise<void> {
    await this.codes.discard(request.challengeId);
  }

  async disable(userId: string): Promise<void> {
    await this.userMethods.remove(userId, this.method);
    await this.codes.deleteForUser(userId);
  }

  /** Set up with a code mailed to the account's own address: nothing to keep but the method row. */
  readonly enrollment: MethodEnrollment = {
    lifetimeMinutes: (policy) => policy.emailCodeTtlMinutes,
    begin: async (): Promise<EnrollmentState> => ({}),
    check: async (request: EnrollmentCheckRequest): Promise<VerificationOutcome> => ({
      status: await this.codes.check({ userId: request.userId, challengeId: request.enrollmentId, purpose: 'enrollment', code: request.code ?? '', now: request.now }),
    }),
    persist: async () => undefined,
  };
}
