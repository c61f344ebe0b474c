import { Injectable, Logger } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { describeError } from '../../common/errors/describe-error';
import { Principal } from '../../common/auth/principal';
import { EventDetails, PasswordChanged } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventsService } from '../security-events/security-events.service';
import { normalizeEmail } from '../users/email';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './login-throttle.service';
import { AuthPayloadModel } from './models/auth-payload.model';
import { PasswordConfirmation } from './password-confirmation.service';
import { SessionIssuer } from './session-issuer.service';
import { SessionsService } from './sessions.service';
import { SignInContext, SignInFlow } from './sign-in-flow';

/**
 * What a passwordless proof (a passkey assertion) established: the user it
 * proved, or nothing (with the user when the proof named one, for the audit
 * log only).
 */
export type PasswordlessProof = { user: UserEntity } | { user: null; userId: string | null };

/** A client the user fully signed in from within this many days is "known" to the sign-in throttle. */
const KNOWN_CLIENT_DAYS = 90;

@Injectable()
export class AuthService {
  private readonly logger = new Logger('AuthService');

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottleService,
    private readonly passwords: PasswordConfirmation,
    private readonly auditLog: SecurityEventsService,
    private readonly events: EventBus,
    private readonly issuer: SessionIssuer,
  ) {}

  /**
   * Checks the password, then lets the SignInFlow open the session at the
   * stage the user needs. An unknown email and a wrong password cost the
   * same argon2 run and get the same answer.
   */
  async signIn(email: string, password: string, context: SignInContext, flow: SignInFlow): Promise<AuthPayloadModel> {
    const normalized = normalizeEmail(email);
    const ip = context.client.ip;
    const findUser = once(() => (flow.findUser ? flow.findUser(normalized) : this.users.findByEmail(normalized)));
    const claim = await this.throttle
      .claim(normalized, ip, async () => {
        const known = await findUser();
        return !!known && !!ip && this.auditLog.signedInFrom(known.id, ip, KNOWN_CLIENT_DAYS);
      })
      .catch(async (error: unknown) => {
        if (error instanceof DomainException && error.code === ErrorCode.RATE_LIMITED) {
          const refused = await findUser();
          await this.events.publish({ type: SecurityEventType.SIGN_IN_THROTTLED, userId: refused?.id ?? null, client: context.client, details: { ...error.details } });
        }
        throw error;
      });
    const user = await findUser();
    const passwordOk = await this.users.verifyPassword(user, password);
    if (!user || !passwordOk) {
      await this.events.publish({ type: SecurityEventType.SIGN_IN_FAILED, userId: user?.id ?? null, client: context.client });
      throw new DomainException(ErrorCode.INVALID_CREDENTIALS);
    }
    // The right password clears the throttle whatever comes next (a lockout, a challenge), side by side with
    // it: best effort, since what the flow did (a rotated device token, a mailed code) must reach the client.
    const [, payload] = await Promise.all([
      this.throttle.succeeded(claim).catch((error: unknown) => this.logger.warn(`Could not clear the sign-in throttle: ${describeError(error)}`)),
      flow.afterPassword(user, context),
    ]);
    return payload;
  }

  /**
   * A sign-in proven without a password, for any method that can (a
   * passkey): the try is counted by the sign-in throttle on the client's
   * address before `prove` runs (RATE_LIMITED while it waits), and every
   * failed proof gets the same INVALID_CREDENTIALS, so nothing is revealed.
   * `prove` may throw its own refusal once the proof is valid (a lockout).
   * A proof stands for both factors: the session opens AUTHENTICATED, with
   * SIGN_IN_SUCCEEDED carrying `details` (how).
   */
  async signInWithoutPassword(client: ClientInfo, prove: () => Promise<PasswordlessProof>, details: EventDetails): Promise<AuthPayloadModel> {
    const claim = await this.throttle.claimAddress(client.ip).catch(async (error: unknown) => {
      if (error instanceof DomainException && error.code === ErrorCode.RATE_LIMITED) {
        await this.events.publish({ type: SecurityEventType.SIGN_IN_THROTTLED, userId: null, client, details: { ...error.details, ...details } });
      }
      throw error;
    });
    const proof = await prove();
    if (!proof.user) {
      await this.events.publish({ type: SecurityEventType.SIGN_IN_FAILED, userId: proof.userId, client, details });
      throw new DomainException(ErrorCode.INVALID_CREDENTIALS, 'This sign-in could not be verified.');
    }
    await this.throttle.succeeded(claim).catch((error: unknown) => this.logger.warn(`Could not clear the sign-in throttle: ${describeError(error)}`));
    return this.issuer.authenticated(proof.user, client, details);
  }

  async signOut(sessionId: string, userId: string, client: ClientInfo): Promise<boolean> {
    const ended = await this.sessions.revoke(sessionId);
    if (ended) await this.events.publish({ type: SecurityEventType.SIGNED_OUT, userId, client });
    return true;
  }

  /** Ends every other session of the user; listeners forget trusted devices. */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    const { userId, sessionId } = principal;
    await this.passwords.confirm(principal, currentPassword, 'currentPassword', client);
    await this.users.setPassword(userId, newPassword);
    await this.sessions.revokeAllForUser(userId, sessionId);
    await this.events.publish(new PasswordChanged({ userId, client, details: {} }));
    return true;
  }
}

/** Runs `load` at most once; later calls share its answer. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => (promise ??= load());
}
