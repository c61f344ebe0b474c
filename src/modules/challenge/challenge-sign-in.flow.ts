import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { lockedError } from '../attempts/attempt-outcomes';
import { AttemptsService } from '../attempts/attempts.service';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SessionIssuer } from '../auth/session-issuer.service';
import { SignInContext, SignInFlow } from '../auth/sign-in-flow';
import { EnrollmentGrace } from '../policy/enrollment-grace';
import { PolicyService } from '../policy/policy.service';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { UserEntity } from '../users/entities/user.entity';
import { ChallengeBegin } from './challenge-begin.service';
import { ChallengeMethods } from './offered-methods';
import { SignInReads } from './sign-in-reads.service';

/**
 * What a right password leads to (AuthService calls it only then, so a
 * disabled account or a lockout is never revealed to someone without the
 * password): disabled → ACCOUNT_DISABLED; locked → ACCOUNT_LOCKED; no
 * method → AUTHENTICATED, or PENDING_ENROLLMENT when the policy requires 2FA
 * and the user's enrollment grace (EnrollmentGrace) is not running; a
 * trusted device → AUTHENTICATED with a rotated device token; otherwise
 * PENDING_TWO_FACTOR with a challenge.
 */
@Injectable()
export class ChallengeSignInFlow implements SignInFlow {
  constructor(
    private readonly begin: ChallengeBegin,
    private readonly issuer: SessionIssuer,
    private readonly reads: SignInReads,
    private readonly attempts: AttemptsService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly methods: ChallengeMethods,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The user and what afterPassword decides from, in one statement. */
  findUser(normalizedEmail: string): Promise<UserEntity | null> {
    return this.reads.findUser(normalizedEmail);
  }

  async afterPassword(user: UserEntity, context: SignInContext): Promise<AuthPayloadModel> {
    const { client } = context;
    this.issuer.assertMaySignIn(user);
    const { policy, counter, enabled } = await this.reads.factsOf(user);
    const attempts = this.attempts.snapshotOf(counter, policy);
    if (attempts.lockedForSeconds > 0) throw lockedError(attempts.lockedForSeconds, policy);

    const methods = this.methods.of(enabled, policy);
    // Methods the policy no longer allows still count: such a user answers with a backup or admin-issued code, never with none.
    if (methods.enabled.length === 0) {
      const graceRunning = EnrollmentGrace.runningUntil(policy, user.twoFactorRequiredSince, this.clock.now()) !== null;
      if (PolicyService.requiresTwoFactor(policy, user.role) && !graceRunning) return this.issuer.pendingEnrollment(user, client);
      return this.issuer.authenticated(user, client);
    }

    let refused = false;
    if (context.trustedDeviceToken) {
      const device = await this.trustedDevices.redeem(user.id, context.trustedDeviceToken, client);
      if (device) {
        const payload = await this.issuer.authenticated(user, client, { trustedDevice: true });
        return { ...payload, trustedDeviceToken: device.token, trustedDeviceExpiresAt: device.expiresAt };
      }
      // Unknown, used, revoked, expired or another browser's (under EVERY_LOGIN no device skips, but none is refused for good).
      refused = TrustedDevicesService.rememberDeviceDays(policy) !== null;
    }
    const [payload] = await Promise.all([
      this.begin.begin(user, client, policy, methods, attempts),
      // The user's first challenge: their attempt counter, ready for the first code.
      counter ? null : this.attempts.create(user.id),
    ]);
    return refused ? { ...payload, trustedDeviceRefused: true } : payload;
  }
}
