import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Request } from 'express';
import { Principal } from '../../common/auth/principal';
import { AllowAnyStage, Public } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal, HttpRequest } from '../../common/http/request-context';
import { AuthService } from './auth.service';
import { SignInInput } from './dto/sign-in.input';
import { AuthPayloadModel } from './models/auth-payload.model';
import { SessionModel } from './models/session.model';

/** Cookie that carries the trusted-device token (set by verifyTwoFactor). */
export const TRUSTED_DEVICE_COOKIE = 'twofold_td';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayloadModel, {
    description:
      'Public. Starts a session at the stage the user and the policy call for; sends the email code when EMAIL is the preferred method.',
  })
  @Public()
  signIn(@Args('input') input: SignInInput, @Client() client: ClientInfo, @HttpRequest() req: Request): Promise<AuthPayloadModel> {
    const cookie: unknown = req.cookies?.[TRUSTED_DEVICE_COOKIE];
    const trustedDeviceToken = input.trustedDeviceToken ?? (typeof cookie === 'string' ? cookie : null);
    return this.auth.signIn(input.email, input.password, { client, trustedDeviceToken });
  }

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
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('currentPassword') currentPassword: string,
    @Args('newPassword') newPassword: string,
  ): Promise<boolean> {
    return this.auth.changePassword(principal.sessionId, principal.userId, currentPassword, newPassword, client);
  }
}
