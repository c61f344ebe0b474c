import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
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

  /**
   * Only the Authorization header: passport-http-bearer would also take
   * `access_token` from the body or the URL, where tokens leak into logs.
   */
  override authenticate(req: Request, options?: object): void {
    // passport adds fail() to the per-request copy of the strategy it runs.
    const fail = (status: number) => (this as unknown as { fail(status: number): void }).fail(status);
    const header = req.headers?.authorization;
    if (typeof header !== 'string' || !/^Bearer [A-Za-z0-9_-]{1,100}$/.test(header)) return fail(401);
    const body = req.body as { access_token?: unknown } | undefined;
    if (body?.access_token !== undefined || req.query?.access_token !== undefined) return fail(400);
    return super.authenticate(req, options);
  }

  async validate(token: string): Promise<Principal> {
    const principal = await this.sessions.resolve(token);
    if (!principal) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    return principal;
  }
}
