import { Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SessionStage } from '../../common/auth/session-stage';
import { ClientInfo } from '../../common/http/request-context';
import { EventDetails, SignInSucceeded } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { UserEntity } from '../users/entities/user.entity';
import { UserModel } from '../users/models/user.model';
import { UsersService } from '../users/users.service';
import { AuthPayloadModel } from './models/auth-payload.model';
import { OpenedSession, SessionsService } from './sessions.service';

/**
 * Opens the session a sign-in ends in, whoever decided the stage: the
 * password (AuthService), the second factor (challenge), an enrollment that
 * turned 2FA on, a passkey. The modules that decide depend on this; it
 * depends on none of them.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly events: EventBus,
  ) {}

  /**
   * ACCOUNT_DISABLED when an admin disabled the user. Every way of signing
   * in (password, trusted device, passkey) calls it once the credential
   * proved right and before anything else happens (no code mailed, no device
   * token rotated), so a guesser never learns it; opening any session checks
   * it again, and the session lookup ignores sessions of disabled users.
   */
  assertMaySignIn(user: Pick<UserEntity, 'disabled'>): void {
    if (user.disabled) throw new DomainException(ErrorCode.ACCOUNT_DISABLED);
  }

  /** A full session, with SIGN_IN_SUCCEEDED (`details`: how, e.g. { method } or { trustedDevice: true }). */
  async authenticated(user: UserEntity, client: ClientInfo | null, details?: EventDetails): Promise<AuthPayloadModel> {
    this.assertMaySignIn(user);
    const { token, session } = await this.sessions.open(user.id, SessionStage.AUTHENTICATED, client);
    await this.events.publish(new SignInSucceeded({ userId: user.id, client, details: details ?? {} }));
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge: null, user: UserModel.from(user) };
  }

  /**
   * A full session for the user of a pending session that just ended
   * (revoked by the caller, conditionally): not read again. The user cannot
   * be disabled here: disabling revokes their sessions in the same
   * transaction, so the caller's revoke would have failed. AuthPayload.user
   * is loaded only if the client asks for it.
   */
  async authenticatedAfterPending(userId: string, client: ClientInfo | null, details?: EventDetails): Promise<AuthPayloadModel> {
    const { token, session } = await this.sessions.open(userId, SessionStage.AUTHENTICATED, client);
    await this.events.publish(new SignInSucceeded({ userId, client, details: details ?? {} }));
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge: null, userId };
  }

  /** The user has no method yet and the policy requires one: a session that may only enroll. */
  async pendingEnrollment(user: UserEntity, client: ClientInfo): Promise<AuthPayloadModel> {
    this.assertMaySignIn(user);
    const { token, session } = await this.sessions.open(user.id, SessionStage.PENDING_ENROLLMENT, client);
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge: null, user: UserModel.from(user) };
  }

  /** A session that owes a second factor; the challenge module describes what it may answer with. */
  pendingTwoFactor(user: UserEntity, client: ClientInfo): Promise<OpenedSession> {
    this.assertMaySignIn(user);
    return this.sessions.open(user.id, SessionStage.PENDING_TWO_FACTOR, client);
  }

  /**
   * A PENDING_ENROLLMENT session whose user just turned a method on: it is
   * ended and exchanged for an AUTHENTICATED one (null for any other stage,
   * or when a racing request ended it first).
   */
  async completeEnrollment(principal: Principal, client: ClientInfo | null): Promise<AuthPayloadModel | null> {
    if (principal.stage !== SessionStage.PENDING_ENROLLMENT || !(await this.sessions.revoke(principal.sessionId))) return null;
    return this.authenticated(await this.users.getById(principal.userId), client);
  }
}
