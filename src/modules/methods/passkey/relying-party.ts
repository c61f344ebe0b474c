import { Injectable } from '@nestjs/common';
import { DomainException } from '../../../common/errors/domain.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { AppConfig } from '../../../config/app-config';
import { WebAuthnProtocol } from './webauthn-protocol';

/** This server as a WebAuthn relying party (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS, WEBAUTHN_RP_NAME). */
@Injectable()
export class RelyingParty {
  private readonly configuredProtocol: WebAuthnProtocol | null;

  constructor(config: AppConfig) {
    this.configuredProtocol = config.webauthn ? new WebAuthnProtocol(config.webauthn) : null;
  }

  get configured(): boolean {
    return this.configuredProtocol !== null;
  }

  /** The protocol; METHOD_NOT_AVAILABLE when WebAuthn is not configured (production without WEBAUTHN_RP_ID). */
  protocol(): WebAuthnProtocol {
    if (!this.configuredProtocol) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'Passkeys are not set up on this server (WEBAUTHN_RP_ID).');
    }
    return this.configuredProtocol;
  }
}
