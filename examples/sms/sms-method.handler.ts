import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import {
  CancelRequest,
  DeliveryReceipt,
  DeliveryRequest,
  DomainException,
  ErrorCode,
  MethodEnrollment,
  normalizeSixDigitCode,
  registerTwoFactorMethodName,
  TwoFactorMethodHandler,
  UserMethodsService,
  VerificationOutcome,
  VerificationRequest,
} from '../../src';
import { SmsPhoneEntity } from './entities/sms-phone.entity';
import { maskPhone, normalizePhone } from './phone';
import { SmsCodesService } from './sms-codes.service';
import { SmsGateway } from './sms-gateway';

export const SMS = 'SMS';
// At import, before the application is created: SMS becomes a value of the GraphQL enum TwoFactorMethod.
registerTwoFactorMethodName(SMS, 'A six-digit code sent by text message (the examples/sms integration).');

/** SMS: a six-digit code texted to the user's phone, at each sign-in and to set the method up. */
@Injectable()
@TwoFactorMethodHandler()
export class SmsMethodHandler implements TwoFactorMethodHandler {
  readonly method = SMS;
  readonly primary = true;
  readonly sendsTo = 'phone';

  constructor(
    private readonly codes: SmsCodesService,
    private readonly userMethods: UserMethodsService,
    @InjectRepository(SmsPhoneEntity) private readonly phones: Repository<SmsPhoneEntity>,
    @Inject(SmsGateway) private readonly gateway: SmsGateway,
  ) {}

  isEnabled(userId: string): Promise<boolean> {
    return this.userMethods.isEnabled(userId, SMS);
  }

  normalizeCode(input: string): string | null {
    return normalizeSixDigitCode(input);
  }

  /** Texts a code: to the confirmed number at sign-in, to the number being set up at enrollment. */
  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const purpose = request.purpose ?? 'sign-in';
    const phone = purpose === 'enrollment' ? String(request.state?.phone) : (await this.phones.findOneBy({ userId: request.userId }))?.phone;
    if (!phone) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'No phone number is set up for text messages.');
    const ttl = request.policy.emailCodeTtlMinutes;
    const { code, expiresAt } = await this.codes.issue(request.userId, request.challengeId, purpose, ttl, request.now);
    await this.gateway.send(phone, `Your verification code is ${code}. It expires in ${ttl} minutes.`);
    return { sentTo: maskPhone(phone), expiresAt };
  }

  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    if (!(await this.isEnabled(request.userId))) return { status: 'unavailable' };
    return { status: await this.codes.check(request.userId, request.challengeId, 'sign-in', request.code, request.now) };
  }

  async cancel(request: CancelRequest): Promise<void> {
    await this.codes.discard(request.challengeId);
  }

  async disable(userId: string): Promise<void> {
    await this.userMethods.remove(userId, SMS);
    await this.phones.delete({ userId });
    await this.codes.deleteForUser(userId);
  }

  /** Set up with the phone number (the method's own input) and the code texted to it. */
  readonly enrollment: MethodEnrollment = {
    lifetimeMinutes: (policy) => policy.emailCodeTtlMinutes,
    begin: async (request) => ({ phone: normalizePhone((request.input as { phone?: unknown } | null)?.phone) }),
    check: async (request) => ({ status: await this.codes.check(request.userId, request.enrollmentId, 'enrollment', request.code ?? '', request.now) }),
    persist: async (manager, request) => {
      await manager.getRepository(SmsPhoneEntity).upsert({ userId: request.userId, phone: String(request.state.phone), confirmedAt: request.now }, ['userId']);
    },
  };
}
