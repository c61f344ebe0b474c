import { addSeconds } from '@app/clock';
import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { AttemptsSnapshot } from '../attempts/attempt-outcomes';
import { AttemptsService } from '../attempts/attempts.service';
import { TwoFactorChallengeModel } from '../auth/models/two-factor-challenge.model';
import { CodeDelivery } from '../methods/code-delivery.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { TwoFactorPolicy } from '../policy/policy.types';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { MAX_SENDS_PER_CHALLENGE } from './challenge-store.service';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';
import { delivererOf, UserMethods } from './offered-methods';

/** TwoFactorChallenge as the client sees it, from the challenge row, the policy and the attempt counter. */
@Injectable()
export class ChallengeView {
  constructor(
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly attempts: AttemptsService,
    private readonly delivery: CodeDelivery,
  ) {}

  async model(
    row: TwoFactorChallengeEntity,
    policy: TwoFactorPolicy,
    methods: UserMethods,
    known?: AttemptsSnapshot,
  ): Promise<TwoFactorChallengeModel> {
    const attempts = known ?? (await this.attempts.snapshot(row.userId, policy));
    const deliverer = delivererOf(methods, row.deliveredMethod);
    let resendAvailableAt: Date | null = null;
    if (deliverer && row.sendCount < MAX_SENDS_PER_CHALLENGE) {
      resendAvailableAt = row.lastSentAt ? addSeconds(row.lastSentAt, policy.resendCooldownSeconds) : row.createdAt;
      // The user's hourly budget, when it is spent, holds every challenge's resend back.
      const budget = await this.delivery.budgetAvailableAt(row.userId);
      if (budget && budget > resendAvailableAt) resendAvailableAt = budget;
    }
    const sentWith = row.deliveredMethod ? this.registry.get(row.deliveredMethod) : undefined;
    return {
      sessionId: row.sessionId,
      userId: row.userId,
      methods: this.answerable(methods),
      sentTo: row.sentTo,
      emailSentTo: sentWith?.sendsTo === 'email' ? row.sentTo : null,
      resendAvailableAt,
      attemptsRemaining: attempts.attemptsRemaining,
      retryAvailableAt: attempts.retryAvailableAt,
      rememberDeviceDays: TrustedDevicesService.rememberDeviceDays(policy),
      expiresAt: row.expiresAt,
    };
  }

  /** The offered methods, plus every fallback (backup codes: an admin may issue one at any time). */
  private answerable(methods: UserMethods): TwoFactorMethod[] {
    const known = new Set<string>(Object.values(TwoFactorMethod));
    const names = [...methods.primaries.map((h) => h.method), ...this.registry.fallbacks().map((h) => h.method)];
    return [...new Set(names)].filter((m) => known.has(m)) as TwoFactorMethod[];
  }
}
