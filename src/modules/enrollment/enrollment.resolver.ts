import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { AllowPendingEnrollment } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { EnrollmentService } from './enrollment.service';
import { AuthenticatorEnrollmentModel } from './models/authenticator-enrollment.model';
import { EmailEnrollmentModel } from './models/email-enrollment.model';
import { EnrollmentResultModel } from './models/enrollment-result.model';
import { TwoFactorStatusModel } from './models/two-factor-status.model';

@Resolver()
export class EnrollmentResolver {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Mutation(() => EmailEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. SMTP_NOT_CONFIGURED without a mail server.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  startEmailEnrollment(@CurrentPrincipal() principal: Principal): Promise<EmailEnrollmentModel> {
    return this.enrollment.startEmail(principal);
  }

  @Mutation(() => EmailEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. RESEND_TOO_SOON before resendAvailableAt.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  resendEmailEnrollmentCode(@CurrentPrincipal() principal: Principal): Promise<EmailEnrollmentModel> {
    return this.enrollment.resendEmail(principal);
  }

  @Mutation(() => EnrollmentResultModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. Turns EMAIL on with the emailed code.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmEmailEnrollment(
    @Args('code') code: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<EnrollmentResultModel> {
    return this.enrollment.confirmEmail(principal, code, client);
  }

  @Mutation(() => AuthenticatorEnrollmentModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. A new secret to scan; nothing is on until confirmed.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  startAuthenticatorEnrollment(@CurrentPrincipal() principal: Principal): Promise<AuthenticatorEnrollmentModel> {
    return this.enrollment.startAuthenticator(principal);
  }

  @Mutation(() => EnrollmentResultModel, { description: 'AUTHENTICATED or PENDING_ENROLLMENT. Turns AUTHENTICATOR_APP on with a current code.' })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmAuthenticatorEnrollment(
    @Args('code') code: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<EnrollmentResultModel> {
    return this.enrollment.confirmAuthenticator(principal, code, client);
  }

  @Mutation(() => TwoFactorStatusModel, {
    description: 'AUTHENTICATED. Needs the password again. Turning off the last method also deletes backup codes and trusted devices.',
  })
  @SensitiveRateLimit()
  disableTwoFactorMethod(
    @Args('method', { type: () => TwoFactorMethod }) method: string,
    @Args('password') password: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<TwoFactorStatusModel> {
    return this.enrollment.disable(principal, method, password, client);
  }

  @Mutation(() => TwoFactorStatusModel, { description: 'AUTHENTICATED. The method asked for first at sign-in; it must be enabled.' })
  setPreferredTwoFactorMethod(
    @Args('method', { type: () => TwoFactorMethod }) method: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TwoFactorStatusModel> {
    return this.enrollment.setPreferred(principal, method);
  }

  @Mutation(() => [String], {
    description: 'AUTHENTICATED. Needs the password again. Ten new codes, shown this once (they are stored hashed); the old ones stop working.',
  })
  @SensitiveRateLimit()
  regenerateBackupCodes(
    @Args('password') password: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<string[]> {
    return this.enrollment.regenerateBackupCodes(principal, password, client);
  }
}
