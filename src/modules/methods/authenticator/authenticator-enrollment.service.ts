import { buildOtpauthUri, renderQrDataUrl } from '@app/totp';
import { Injectable } from '@nestjs/common';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { ClientInfo } from '../../../common/http/request-context';
import { AppConfig } from '../../../config/app-config';
import { EnrollmentStarter } from '../../enrollment/enrollment-starter.service';
import { AuthenticatorEnrollmentModel } from './authenticator-enrollment.model';

/** startAuthenticatorEnrollment: the core starts it; this shows the new secret the way apps read it. */
@Injectable()
export class AuthenticatorEnrollmentService {
  constructor(
    private readonly starter: EnrollmentStarter,
    private readonly config: AppConfig,
  ) {}

  async start(principal: Principal, password: string | null, client: ClientInfo): Promise<AuthenticatorEnrollmentModel> {
    const started = await this.starter.start(principal, TwoFactorMethod.AUTHENTICATOR_APP, null, password, client);
    const secret = String(started.state.secret);
    const otpauthUri = buildOtpauthUri({ issuer: this.config.appName, accountName: principal.email, secretBase32: secret });
    return { secret, otpauthUri, qrCodeDataUrl: await renderQrDataUrl(otpauthUri), expiresAt: started.expiresAt };
  }
}
