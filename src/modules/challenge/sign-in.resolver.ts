import { Inject } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import { Public } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, HttpRequest, HttpResponse } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { AuthService } from '../auth/auth.service';
import { SignInInput } from '../auth/dto/sign-in.input';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SignInFlow } from '../auth/sign-in-flow';
import { clearTrustedDeviceCookie, setTrustedDeviceCookie, trustedDeviceCookieOf } from '../trusted-devices/trusted-device-cookie';

@Resolver()
export class SignInResolver {
  constructor(
    private readonly auth: AuthService,
    @Inject(SignInFlow) private readonly flow: SignInFlow,
    private readonly config: AppConfig,
  ) {}

  @Mutation(() => AuthPayloadModel, {
    description:
      'Public. Starts a session at the stage the user and the policy call for; sends the code at once when the preferred method sends one (an email code).',
  })
  @Public()
  @SensitiveRateLimit()
  async signIn(
    @Args('input', { description: 'The email, password and perhaps a trusted-device token.' }) input: SignInInput,
    @Client() client: ClientInfo,
    @HttpRequest() req: Request,
    @HttpResponse() res: Response,
  ): Promise<AuthPayloadModel> {
    const cookie = trustedDeviceCookieOf(req);
    const context = { client, trustedDeviceToken: input.trustedDeviceToken ?? cookie };
    const payload = await this.auth.signIn(input.email, input.password, context, this.flow);
    // A trusted device skipped the code: its token was rotated.
    if (payload.trustedDeviceToken && payload.trustedDeviceExpiresAt) {
      setTrustedDeviceCookie(req, res, this.config, payload.trustedDeviceToken, payload.trustedDeviceExpiresAt);
    } else if (payload.trustedDeviceRefused && !input.trustedDeviceToken && cookie !== null) {
      // The cookie's device was revoked, expired or used up: the browser stops sending it.
      clearTrustedDeviceCookie(req, res, this.config);
    }
    return payload;
  }
}
