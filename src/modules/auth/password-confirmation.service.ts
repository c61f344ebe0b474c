import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { PolicyService } from '../policy/policy.service';
import { PASSWORD_MAX_LENGTH } from '../users/password-rules';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './login-throttle.service';
import { SessionsService } from './sessions.service';

/**
 * The password asked again inside a session: before a sensitive change
 * (turning a method off, new backup codes, a new password), and "recent
 * authentication" before adding a second factor. Counted like a sign-in, so a
 * stolen session cannot guess the password online.
 */
@Injectable()
export class PasswordConfirmation {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottleService,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * The user's password, entered again: INVALID_CREDENTIALS naming `field`
   * when wrong. A right one counts as recent authentication for the session.
   */
  async confirm(principal: Principal, password: string, field: string, client: ClientInfo | null): Promise<UserEntity> {
    const user = await this.users.getById(principal.userId);
    // No known-client allowance here: the caller holds a session, perhaps a stolen one used from the user's own network.
    const claim = await this.throttle.claim(user.email, client?.ip ?? null, async () => false);
    // An over-long password cannot be right: refuse it without hashing it.
    if (password.length > PASSWORD_MAX_LENGTH || !(await this.users.verifyPassword(user, password))) {
      throw new DomainException(ErrorCode.INVALID_CREDENTIALS, 'The password is incorrect.', { field });
    }
    await Promise.all([this.throttle.succeeded(claim), this.sessions.markVerified(principal.sessionId)]);
    return user;
  }

  /**
   * Recent authentication ("sudo mode"): adding a second factor or changing
   * the preferred one from an AUTHENTICATED session needs the password or a
   * second factor entered within the policy's reauthenticationMinutes, or
   * the `password` argument; otherwise REAUTHENTICATION_REQUIRED and nothing
   * changes. A PENDING_ENROLLMENT session has just entered the password.
   */
  async assertRecent(principal: Principal, password: string | null | undefined, client: ClientInfo | null): Promise<void> {
    if (principal.stage === SessionStage.PENDING_ENROLLMENT) return;
    if (typeof password === 'string') {
      await this.confirm(principal, password, 'password', client);
      return;
    }
    const { reauthenticationMinutes } = await this.policies.get();
    const recentSince = this.clock.now().getTime() - reauthenticationMinutes * 60_000;
    if (principal.verifiedAt && principal.verifiedAt.getTime() > recentSince) return;
    throw new DomainException(
      ErrorCode.REAUTHENTICATION_REQUIRED,
      `Enter your password again: this change needs a sign-in within the last ${reauthenticationMinutes} minutes.`,
      { field: 'password' },
    );
  }
}
