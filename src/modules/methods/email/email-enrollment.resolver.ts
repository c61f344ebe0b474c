import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { AllowPendingEnrollment } from '../../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../../common/http/request-context';
import { EnrollmentConfirmation } from '../../enrollment/enrollment-confirmation.service';
import { EnrollmentStarter, StartedEnrollment } from '../../enrollment/enrollment-starter.service';
import { EnrollmentResultModel } from '../../enrollment/models/enrollment-result.model';
import { EmailEnrollmentModel } from './email-enrollment.model';

const EMAIL = TwoFactorMethod.EMAIL;

function present(started: StartedEnrollment): EmailEnrollmentModel {
  return { sentTo: started.sentTo ?? '', expiresAt: started.expiresAt, resendAvailableAt: started.resendAvailableAt ?? started.expiresAt };
}

/** startEmailEnrollment, resendEmailEnrollmentCode, confirmEmailEnrollment: EMAIL's half of the enrollment API. */
@Resolver()
export class EmailEnrollmentResolver {
  constructor(
    private readonly starter: EnrollmentStarter,
    private readonly confirmation: EnrollmentConfirmation,
  ) {}

  @Mutation(() => EmailEnrollmentModel, {
    description: 'AUTHENTICATED or PENDING_ENROLLMENT. SMTP_NOT_CONFIGURED without a mail server. password: see recent authentication.',
  })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  async startEmailEnrollment(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('password', { type: () => String, nullable: true, description: 'Needed from an AUTHENTICATED session that has not entered the password or a second factor within policy.reauthenticationMinutes.' })
    password: string | null,
  ): Promise<EmailEnrollmentModel> {
    return present(await this.starter.start(principal, EMAIL, null, password, client));
  }

  @Mutation(() => EmailEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. RESEND_TOO_SOON before resendAvailableAt.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  async resendEmailEnrollmentCode(@CurrentPrincipal() principal: Principal): Promise<EmailEnrollmentModel> {
    return present(await this.starter.resend(principal, EMAIL));
  }

  @Mutation(() => EnrollmentResultModel, { description: 'A wrong code counts against the user\'s attempts, as at sign-in.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmEmailEnrollment(@Args('code', { description: 'The six digits of the email.' }) code: string, @CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<EnrollmentResultModel> {
    return this.confirmation.confirm(principal, EMAIL, { code }, client);
  }
}
