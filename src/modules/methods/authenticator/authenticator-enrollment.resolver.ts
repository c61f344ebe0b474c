import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { AllowPendingEnrollment } from '../../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../../common/http/request-context';
import { EnrollmentConfirmation } from '../../enrollment/enrollment-confirmation.service';
import { EnrollmentResultModel } from '../../enrollment/models/enrollment-result.model';
import { AuthenticatorEnrollmentModel } from './authenticator-enrollment.model';
import { AuthenticatorEnrollmentService } from './authenticator-enrollment.service';

/** startAuthenticatorEnrollment, confirmAuthenticatorEnrollment: AUTHENTICATOR_APP's half of the enrollment API. */
@Resolver()
export class AuthenticatorEnrollmentResolver {
  constructor(
    private readonly enrollment: AuthenticatorEnrollmentService,
    private readonly confirmation: EnrollmentConfirmation,
  ) {}

  @Mutation(() => AuthenticatorEnrollmentModel, {
    description: 'AUTHENTICATED or PENDING_ENROLLMENT. A new secret to scan; nothing is on until confirmed. password: see recent authentication.',
  })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  startAuthenticatorEnrollment(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('password', { type: () => String, nullable: true, description: 'Needed from an AUTHENTICATED session that has not entered the password or a second factor within policy.reauthenticationMinutes.' })
    password: string | null,
  ): Promise<AuthenticatorEnrollmentModel> {
    return this.enrollment.start(principal, password, client);
  }

  @Mutation(() => EnrollmentResultModel, {
    description: 'AUTHENTICATED or PENDING_ENROLLMENT. Turns AUTHENTICATOR_APP on with a current code; a wrong one counts against the attempts.',
  })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmAuthenticatorEnrollment(@Args('code', { description: 'The six digits the app shows now.' }) code: string, @CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<EnrollmentResultModel> {
    return this.confirmation.confirm(principal, TwoFactorMethod.AUTHENTICATOR_APP, { code }, client);
  }
}
