import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SessionsService } from './sessions.service';

/** Reads `Authorization: Bearer <sessionToken>` and resolves it to a live session. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  async validate(token: string): Promise<Principal> {
    const principal = await this.sessions.resolve(token);
    if (!principal) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    return principal;
  }
}
