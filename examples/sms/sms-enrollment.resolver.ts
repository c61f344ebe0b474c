import { Args, Field, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import {
  AllowPendingEnrollment,
  Client,
  type ClientInfo,
  CurrentPrincipal,
  EnrollmentConfirmation,
  EnrollmentResultModel,
  EnrollmentStarter,
  type Principal,
  SensitiveRateLimit,
  type StartedEnrollment,
} from '../../src';
import { SMS } from './sms-method.handler';

@ObjectType('SmsEnrollment')
export class SmsEnrollmentModel {
  @Field({ description: 'The masked number the code was texted to (+15***01).' })
  sentTo: string;

  @Field({ description: 'When the code (and this enrollment) expires.' })
  expiresAt: Date;

  @Field({ description: 'When resendSmsEnrollmentCode will next be accepted.' })
  resendAvailableAt: Date;

  static from(started: StartedEnrollment): SmsEnrollmentModel {
    return { sentTo: started.sentTo ?? '', expiresAt: started.expiresAt, resendAvailableAt: started.resendAvailableAt ?? started.expiresAt };
  }
}

/** The SMS method's own enrollment mutations: the core runs the flow (attempts, send budget, recent authentication). */
@Resolver()
export class SmsEnrollmentResolver {
  constructor(
    private readonly starter: EnrollmentStarter,
    private readonly confirmation: EnrollmentConfirmation,
  ) {}

  @Mutation(() => SmsEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. Texts a code to this number.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  async startSmsEnrollment(
    @Args('phone') phone: string,
    @Args('password', { type: () => String, nullable: true }) password: string | null,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<SmsEnrollmentModel> {
    return SmsEnrollmentModel.from(await this.starter.start(principal, SMS, { phone }, password, client));
  }

  @Mutation(() => SmsEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. RESEND_TOO_SOON before resendAvailableAt.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  async resendSmsEnrollmentCode(@CurrentPrincipal() principal: Principal): Promise<SmsEnrollmentModel> {
    return SmsEnrollmentModel.from(await this.starter.resend(principal, SMS));
  }

  @Mutation(() => EnrollmentResultModel, { description: "AUTHENTICATED or PENDING_ENROLLMENT. A wrong code counts against the user's attempts." })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmSmsEnrollment(@Args('code') code: string, @CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<EnrollmentResultModel> {
    return this.confirmation.confirm(principal, SMS, { code }, client);
  }
}
