import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AccessControl } from '../auth/access-control';
import { Permission } from '../auth/permissions';
import { Principal } from '../auth/principal';
import { SessionStage } from '../auth/session-stage';
import { ALLOWED_STAGES, IS_PUBLIC, REQUIRED_PERMISSIONS } from '../decorators/access.decorators';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-code';
import { httpRequestOf } from '../http/request-context';

/** The error for a live session at the wrong stage. */
function wrongStage(stage: SessionStage): DomainException {
  switch (stage) {
    case SessionStage.PENDING_TWO_FACTOR:
      return new DomainException(ErrorCode.TWO_FACTOR_REQUIRED);
    case SessionStage.PENDING_ENROLLMENT:
      return new DomainException(ErrorCode.ENROLLMENT_REQUIRED);
    case SessionStage.AUTHENTICATED:
      return new DomainException(ErrorCode.BAD_USER_INPUT, 'This session is already signed in: there is no pending sign-in step.');
    default: {
      const unreachable: never = stage;
      return unreachable;
    }
  }
}

/**
 * The one global guard, failing closed. Every resolver needs an
 * AUTHENTICATED session unless it says otherwise with @Public() or
 * @AllowStages(...); then the role must hold @RequirePermissions(...).
 * The bearer token is read by the passport strategy in the auth module.
 */
@Injectable()
export class SessionGuard extends AuthGuard('bearer') {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessControl,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    await super.canActivate(context); // sets req.user or throws UNAUTHENTICATED
    const principal = httpRequestOf(context).user as Principal;

    const stages = this.reflector.getAllAndOverride<SessionStage[]>(ALLOWED_STAGES, targets) ?? [SessionStage.AUTHENTICATED];
    if (!stages.includes(principal.stage)) throw wrongStage(principal.stage);

    const required = this.reflector.getAllAndOverride<Permission[]>(REQUIRED_PERMISSIONS, targets) ?? [];
    if (!required.every((permission) => this.access.can(principal.role, permission))) throw new DomainException(ErrorCode.FORBIDDEN);
    return true;
  }

  override getRequest(context: ExecutionContext) {
    return httpRequestOf(context);
  }

  /** Passport's answer: a principal, or why not; never its own 401. */
  override handleRequest<T = Principal>(error: unknown, principal: T | false): T {
    if (error) throw error;
    if (!principal) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    return principal;
  }
}
