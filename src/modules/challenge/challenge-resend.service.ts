import { Clock, secondsUntil } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { lockedError } from '../attempts/attempt-outcomes';
import { AttemptsService } from '../attempts/attempts.service';
import { TwoFactorChallengeModel } from '../auth/models/two-factor-challenge.model';
import { SessionsService } from '../auth/sessions.service';
import { CodeDelivery } from '../methods/code-delivery.service';
import { PolicyService } from '../policy/policy.service';
import { ChallengeStore } from './challenge-store.service';
import { ChallengeView } from './challenge-view.service';
import { ChallengeMethods, delivererOf } from './offered-methods';

/**
 * resendTwoFactorCode: a new code (replacing the last one) through the
 * delivering method: the one that sent before, else the preferred one, else
 * the first offered that delivers. Never touches the attempt count; no code
 * is sent during a lockout.
 */
@Injectable()
export class ChallengeResend {
  constructor(
    private readonly sessions: SessionsService,
    private readonly store: ChallengeStore,
    private readonly delivery: CodeDelivery,
    private readonly view: ChallengeView,
    private readonly methods: ChallengeMethods,
    private readonly policies: PolicyService,
    private readonly attempts: AttemptsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async resend(principal: Principal): Promise<TwoFactorChallengeModel> {
    const { userId, sessionId } = principal;
    const session = await this.sessions.findLive(sessionId);
    if (!session || session.stage !== SessionStage.PENDING_TWO_FACTOR) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    const [policy, counter, enabled] = await Promise.all([this.policies.get(), this.attempts.read(userId), this.methods.enabled(userId)]);
    const methods = this.methods.of(enabled, policy);
    const attempts = this.attempts.snapshotOf(counter, policy);
    if (attempts.lockedForSeconds > 0) throw lockedError(attempts.lockedForSeconds, policy);
    const row = await this.store.ensure(sessionId, userId, session.createdAt, session.expiresAt);
    const deliverer = delivererOf(methods, row.deliveredMethod);
    if (!deliverer) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'None of your two-factor methods sends a code: use your app or a backup code.');

    const now = this.clock.now();
    const refusal = await this.store.claimSend(sessionId, now, policy.resendCooldownSeconds);
    if (refusal?.reason === 'gone') throw new DomainException(ErrorCode.UNAUTHENTICATED); // cancelled or finished meanwhile
    if (refusal?.reason === 'cap') {
      throw new DomainException(ErrorCode.RATE_LIMITED, 'No more codes can be sent for this sign-in. Cancel and sign in again.', {
        retryAfterSeconds: Math.max(1, secondsUntil(session.expiresAt, now)),
      });
    }
    if (refusal) throw new DomainException(ErrorCode.RESEND_TOO_SOON, undefined, { retryAfterSeconds: Math.max(1, secondsUntil(refusal.availableAt, now)) });

    const result = await this.delivery.sendOrRefuse(deliverer, { userId, email: principal.email, challengeId: sessionId, purpose: 'sign-in', now, policy }, () =>
      this.store.unclaimSend(sessionId, now, row.lastSentAt),
    );
    await this.store.recordDelivery(sessionId, deliverer.method, result.sentTo);
    Object.assign(row, { lastSentAt: now, sendCount: row.sendCount + 1, sentTo: result.sentTo, deliveredMethod: deliverer.method });
    return this.view.model(row, policy, methods, attempts);
  }

  /** cancelSignIn: ends a pending sign-in; a code sent for it dies with it. */
  async cancel(principal: Principal): Promise<boolean> {
    await this.sessions.revoke(principal.sessionId);
    await this.store.discard(principal.sessionId, principal.userId);
    return true;
  }
}
