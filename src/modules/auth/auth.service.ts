import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SessionStage } from '../../common/auth/session-stage';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventInput, SecurityEventsService } from '../security-events/security-events.service';
import { normalizeEmail } from '../users/email';
import { UserEntity } from '../users/entities/user.entity';
import { UserModel } from '../users/models/user.model';
import { PASSWORD_MAX_LENGTH } from '../users/dto/create-user.input';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './login-throttle.service';
import { AuthPayloadModel } from './models/auth-payload.model';
import { SessionsService } from './sessions.service';
import { SignInContext, SignInFlow } from './sign-in-flow';
import { describeError } from '../../common/errors/describe-error';

/** A client the user fully signed in from within this many days is "known" to the sign-in throttle. */
const KNOWN_CLIENT_DAYS = 90;

@Injectable()
export class AuthService {
  private readonly logger = new Logger('AuthService');

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottleService,
    private readonly events: SecurityEventsService,
    @Optional() @Inject(SignInFlow) private readonly flow: SignInFlow | null,
  ) {}

  /**
   * Checks the password and opens a session at the stage the user needs.
   * An unknown email and a wrong password cost the same argon2 run and get
   * the same answer.
   */
  async signIn(email: string, password: string, context: SignInContext): Promise<AuthPayloadModel> {
    const normalized = normalizeEmail(email);
    const ip = context.client.ip;
    const findUser = once(() => this.users.findByEmail(normalized));
    const claim = await this.throttle
      .claim(normalized, ip, async () => {
        const known = await findUser();
        return !!known && !!ip && this.events.signedInFrom(known.id, ip, KNOWN_CLIENT_DAYS);
      })
      .catch(async (error: unknown) => {
        if (error instanceof DomainException && error.code === ErrorCode.RATE_LIMITED) {
          const refused = await findUser();
          await this.events.record({ type: SecurityEventType.SIGN_IN_THROTTLED, userId: refused?.id ?? null, client: context.client, details: { ...error.details } });
        }
        throw error;
      });
    const user = await findUser();
    const passwordOk = await this.users.verifyPassword(user, password);
    if (!user || !passwordOk) {
      await this.events.record({ type: SecurityEventType.SIGN_IN_FAILED, userId: user?.id ?? null, client: context.client });
      throw new DomainException(ErrorCode.INVALID_CREDENTIALS);
    }
    // The right password clears the throttle whatever comes next (a lockout, a challenge), side by side with
    // it: best effort, since what the flow did (a rotated device token, a mailed code) must reach the client.
    const [, payload] = await Promise.all([
      this.throttle.succeeded(claim).catch((error: unknown) => this.logger.warn(`Could not clear the sign-in throttle: ${describeError(error)}`)),
      this.flow ? this.flow.afterPassword(user, context) : this.openAuthenticated(user, context.client),
    ]);
    return payload;
  }

  /** A full session, with the SIGN_IN_SUCCEEDED event (`details`: how, e.g. { method } or { trustedDevice: true }). */
  async openAuthenticated(user: UserEntity, client: ClientInfo, details?: SecurityEventInput['details']): Promise<AuthPayloadModel> {
    const { token, session } = await this.sessions.open(user.id, SessionStage.AUTHENTICATED, client);
    await this.events.record({ type: SecurityEventType.SIGN_IN_SUCCEEDED, userId: user.id, client, details });
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge: null, user: UserModel.from(user) };
  }

  async signOut(sessionId: string, userId: string, client: ClientInfo): Promise<boolean> {
    const ended = await this.sessions.revoke(sessionId);
    if (ended) await this.events.record({ type: SecurityEventType.SIGNED_OUT, userId, client });
    return true;
  }

  /**
   * Asks for the password again before a sensitive change (turning 2FA off,
   * new backup codes, a new password). Counted like a sign-in, so a stolen
   * session cannot guess the password online; a wrong one is
   * INVALID_CREDENTIALS naming `field`.
   */
  async confirmPassword(userId: string, password: string, field: string, client: ClientInfo): Promise<UserEntity> {
    const user = await this.users.getById(userId);
    // No known-client allowance here: the caller holds a session, perhaps a stolen one used from the user's own network.
    const claim = await this.throttle.claim(user.email, client.ip, async () => false);
    // An over-long password cannot be right: refuse it without hashing it.
    if (password.length > PASSWORD_MAX_LENGTH || !(await this.users.verifyPassword(user, password))) {
      throw new DomainException(ErrorCode.INVALID_CREDENTIALS, 'The password is incorrect.', { field });
    }
    await this.throttle.succeeded(claim);
    return user;
  }

  /** Ends every other session of the user; listeners forget trusted devices. */
  async changePassword(sessionId: string, userId: string, currentPassword: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    await this.confirmPassword(userId, currentPassword, 'currentPassword', client);
    await this.users.setPassword(userId, newPassword);
    await this.sessions.revokeAllForUser(userId, sessionId);
    await this.events.record({ type: SecurityEventType.PASSWORD_CHANGED, userId, client });
    return true;
  }
}

/** Runs `load` at most once; later calls share its answer. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => (promise ??= load());
}
