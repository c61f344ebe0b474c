import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { ClientInfo } from '../../common/http/request-context';
import { AttemptsSnapshot } from '../attempts/attempt-outcomes';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { TwoFactorChallengeModel } from '../auth/models/two-factor-challenge.model';
import { SessionIssuer } from '../auth/session-issuer.service';
import { CodeDelivery, isRefusal } from '../methods/code-delivery.service';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { UserEntity } from '../users/entities/user.entity';
import { ChallengeStore } from './challenge-store.service';
import { ChallengeView } from './challenge-view.service';
import { ChallengeMethods, UserMethods } from './offered-methods';

/** Opening a pending sign-in's challenge, and describing it afterwards (Session.challenge). */
@Injectable()
export class ChallengeBegin {
  constructor(
    private readonly issuer: SessionIssuer,
    private readonly store: ChallengeStore,
    private readonly delivery: CodeDelivery,
    private readonly view: ChallengeView,
    private readonly methods: ChallengeMethods,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Opens a PENDING_TWO_FACTOR session for a user whose password was right,
   * and sends the code at once when the preferred method delivers one
   * (CloudCX: "The system will send you the six-digit verification code to
   * your email automatically"); when the policy no longer allows the
   * preferred method, through the first offered method that delivers. Past
   * the user's hourly send budget, or with no mail server, nothing is sent:
   * the challenge opens all the same (backup codes still work) and its
   * resend tells when a code can be sent.
   */
  async begin(user: UserEntity, client: ClientInfo, policy: TwoFactorPolicy, methods: UserMethods, attempts: AttemptsSnapshot): Promise<AuthPayloadModel> {
    const now = this.clock.now();
    const { token, session } = await this.issuer.pendingTwoFactor(user, client);
    const row = this.store.blank(session.id, user.id, now, session.expiresAt);
    const sender = methods.preferred
      ? (methods.preferred.deliver ? methods.preferred : null)
      : (methods.primaries.find((h) => typeof h.deliver === 'function') ?? null);
    if (sender) {
      const result = await this.delivery.send(sender, { userId: user.id, email: user.email, challengeId: session.id, purpose: 'sign-in', now, policy }, { softMailServer: true });
      if (!isRefusal(result)) Object.assign(row, { lastSentAt: now, sendCount: 1, sentTo: result.sentTo, deliveredMethod: sender.method });
    }
    // Nothing sent: no row (describe and resend work without one); one INSERT less for an app or passkey sign-in.
    if (row.sendCount > 0) await this.store.insert(row);
    const challenge = await this.view.model(row, policy, methods, attempts);
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge, user: null };
  }

  /** The challenge of a PENDING_TWO_FACTOR session. */
  async describe(sessionId: string, userId: string, sessionExpiresAt: Date): Promise<TwoFactorChallengeModel> {
    const [row, policy, enabled] = await Promise.all([this.store.find(sessionId, userId), this.policies.get(), this.methods.enabled(userId)]);
    const methods = this.methods.of(enabled, policy);
    // No row: a pending session opened some other way; nothing was sent for it yet.
    return this.view.model(row ?? this.store.blank(sessionId, userId, this.clock.now(), sessionExpiresAt), policy, methods);
  }
}
