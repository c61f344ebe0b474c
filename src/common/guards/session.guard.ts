import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Authenticator, Strategy } from 'passport';
import { AccessControl } from '../auth/access-control';
import { AnyPermission } from '../auth/permissions';
import { Principal } from '../auth/principal';
import { SessionStage } from '../auth/session-stage';
import { ALLOWED_STAGES, IS_PUBLIC, REQUIRED_PERMISSIONS } from '../decorators/access.decorators';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-code';
import { httpRequestOf, httpResponseOf } from '../http/request-context';

/** The passport strategy that turns a bearer token into a Principal (the auth module's). */
export const SessionStrategy = Symbol('SessionStrategy');

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
 * The one global guard, failing closed. Every GraphQL resolver needs an
 * AUTHENTICATED session unless it says otherwise with @Public() or
 * @AllowStages(...); then the role must hold @RequirePermissions(...). An
 * HTTP route opts in with the same decorators.
 *
 * The bearer token is read by the auth module's passport strategy, run
 * through a passport Authenticator of this application's own (not the
 * process-wide one), so two app instances in one process never share it.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly passport = new Authenticator();

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessControl,
    @Inject(SessionStrategy) strategy: Strategy,
  ) {
    this.passport.use('bearer', strategy);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    // Every GraphQL field is guarded (fail closed). Plain HTTP routes are guarded only when they ask for a
    // Twofold session (@AllowStages / @RequirePermissions): a host app's own controllers are its business.
    if (context.getType<string>() !== 'graphql' && !this.asksForSession(targets)) return true;

    const req = httpRequestOf(context);
    const principal = await this.authenticate(req, httpResponseOf(context));
    req.user = principal;

    const stages = this.reflector.getAllAndOverride<SessionStage[]>(ALLOWED_STAGES, targets) ?? [SessionStage.AUTHENTICATED];
    if (!stages.includes(principal.stage)) throw wrongStage(principal.stage);

    const required = this.reflector.getAllAndOverride<AnyPermission[]>(REQUIRED_PERMISSIONS, targets) ?? [];
    if (!required.every((permission) => this.access.can(principal.role, permission))) throw new DomainException(ErrorCode.FORBIDDEN);
    return true;
  }

  private asksForSession(targets: Array<Function | object>): boolean {
    return (
      this.reflector.getAllAndOverride<unknown>(ALLOWED_STAGES, targets as Function[]) !== undefined ||
      this.reflector.getAllAndOverride<unknown>(REQUIRED_PERMISSIONS, targets as Function[]) !== undefined
    );
  }

  /** Passport's answer: a principal, or why not; never its own 401 response. */
  private authenticate(req: object, res: object): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, principal: Principal | false) => {
        if (error) return reject(error);
        if (!principal) return reject(new DomainException(ErrorCode.UNAUTHENTICATED));
        resolve(principal);
      };
      this.passport.authenticate('bearer', { session: false }, done)(req, res, (error: unknown) =>
        reject(error ?? new DomainException(ErrorCode.UNAUTHENTICATED)),
      );
    });
  }
}
