import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import { Principal } from '../../common/auth/principal';
import { AllowAnyStage, Public } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal, HttpRequest, HttpResponse } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { clearTrustedDeviceCookie, setTrustedDeviceCookie, trustedDeviceCookieOf } from '../trusted-devices/trusted-device-cookie';
import { AuthService } from './auth.service';
import { SignInInput } from './dto/sign-in.input';
import { AuthPayloadModel } from './models/auth-payload.model';
import { SessionModel } from './models/session.model';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Mutation(() => AuthPayloadModel, {
    description:
      'Public. Starts a session at the stage the user and the policy call for; sends the email code when EMAIL is the preferred method.',
  })
  @Public()
  @SensitiveRateLimit()
  async signIn(
    @Args('input') input: SignInInput,
    @Client() client: ClientInfo,
    @HttpRequest() req: Request,
    @HttpResponse() res: Response,
  ): Promise<AuthPayloadModel> {
    const cookie = trustedDeviceCookieOf(req);
    const trustedDeviceToken = input.trustedDeviceToken ?? cookie;
    const payload = await this.auth.signIn(input.email, input.password, { client, trustedDeviceToken });
    // A trusted device skipped the code: its token was rotated.
    if (payload.trustedDeviceToken && payload.trustedDeviceExpiresAt) {
      setTrustedDeviceCookie(req, res, this.config, payload.trustedDeviceToken, payload.trustedDeviceExpiresAt);
    } else if (payload.trustedDeviceRefused && !input.trustedDeviceToken && cookie !== null) {
      // The cookie's device was revoked, expired or used up: the browser stops sending it.
      clearTrustedDeviceCookie(req, res, this.config);
    }
    return payload;
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
  @SensitiveRateLimit()
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('currentPassword') currentPassword: string,
    @Args('newPassword') newPassword: string,
  ): Promise<boolean> {
    return this.auth.changePassword(principal.sessionId, principal.userId, currentPassword, newPassword, client);
  }
}
