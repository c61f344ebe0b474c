import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import { AllowAnyStage } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { AuthService } from './auth.service';
import { SessionModel } from './models/session.model';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Query(() => SessionModel, { description: 'Any stage.' })
  @AllowAnyStage()
  currentSession(@CurrentPrincipal() principal: Principal): SessionModel {
    return { sessionId: principal.sessionId, userId: principal.userId, stage: principal.stage, expiresAt: principal.sessionExpiresAt };
  }

  @Mutation(() => Boolean, { description: 'Any stage. Ends this session.' })
  @AllowAnyStage()
  signOut(@CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<boolean> {
    return this.auth.signOut(principal.sessionId, principal.userId, client);
  }

  @Mutation(() => Boolean, { description: "Ends the user's other sessions and forgets their trusted devices." })
  @SensitiveRateLimit()
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('currentPassword', { description: 'The password now (INVALID_CREDENTIALS naming this field when wrong).' }) currentPassword: string,
    @Args('newPassword', { description: '8 to 256 characters, not a common password, not the email.' }) newPassword: string,
  ): Promise<boolean> {
    return this.auth.changePassword(principal, currentPassword, newPassword, client);
  }
}
