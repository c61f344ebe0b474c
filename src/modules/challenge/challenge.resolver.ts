import { Args, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { AllowPendingTwoFactor, AllowStages } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal, HttpRequest, HttpResponse } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { setTrustedDeviceCookie } from '../trusted-devices/trusted-device-cookie';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SessionModel } from '../auth/models/session.model';
import { TwoFactorChallengeModel } from '../auth/models/two-factor-challenge.model';
import { ChallengeBegin } from './challenge-begin.service';
import { ChallengeResend } from './challenge-resend.service';
import { ChallengeVerify } from './challenge-verify.service';
import { VerifyTwoFactorInput } from './dto/verify-two-factor.input';

@Resolver()
export class ChallengeResolver {
  constructor(
    private readonly verification: ChallengeVerify,
    private readonly resends: ChallengeResend,
    private readonly config: AppConfig,
  ) {}

  @Mutation(() => AuthPayloadModel, { description: 'PENDING_TWO_FACTOR. On success the pending token is revoked and a new AUTHENTICATED one returned.' })
  @AllowPendingTwoFactor()
  @SensitiveRateLimit()
  async verifyTwoFactor(
    @Args('input', { description: 'The method and its code (or passkey credential).' }) input: VerifyTwoFactorInput,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @HttpRequest() req: Request,
    @HttpResponse() res: Response,
  ): Promise<AuthPayloadModel> {
    const payload = await this.verification.verify(
      principal,
      { method: input.method, code: input.code, credential: input.credential, rememberDevice: input.rememberDevice === true },
      client,
    );
    if (payload.trustedDeviceToken && payload.trustedDeviceExpiresAt) {
      setTrustedDeviceCookie(req, res, this.config, payload.trustedDeviceToken, payload.trustedDeviceExpiresAt);
    }
    return payload;
  }

  @Mutation(() => TwoFactorChallengeModel, {
    description: 'PENDING_TWO_FACTOR. Sends a new email code (replacing the last one); RESEND_TOO_SOON before resendAvailableAt.',
  })
  @AllowPendingTwoFactor()
  @SensitiveRateLimit()
  resendTwoFactorCode(@CurrentPrincipal() principal: Principal): Promise<TwoFactorChallengeModel> {
    return this.resends.resend(principal);
  }

  @Mutation(() => Boolean, { description: 'PENDING_TWO_FACTOR or PENDING_ENROLLMENT. Ends the pending session.' })
  @AllowStages(SessionStage.PENDING_TWO_FACTOR, SessionStage.PENDING_ENROLLMENT)
  cancelSignIn(@CurrentPrincipal() principal: Principal): Promise<boolean> {
    return this.resends.cancel(principal);
  }
}

/** Session.challenge: what the pending sign-in may answer with, while the stage is PENDING_TWO_FACTOR. */
@Resolver(() => SessionModel)
export class SessionChallengeResolver {
  constructor(private readonly challenge: ChallengeBegin) {}

  @ResolveField('challenge', () => TwoFactorChallengeModel, { nullable: true, description: 'Set while the stage is PENDING_TWO_FACTOR.' })
  async challengeOf(@Parent() session: SessionModel): Promise<TwoFactorChallengeModel | null> {
    if (session.stage !== SessionStage.PENDING_TWO_FACTOR) return null;
    return this.challenge.describe(session.sessionId, session.userId, session.expiresAt);
  }
}
