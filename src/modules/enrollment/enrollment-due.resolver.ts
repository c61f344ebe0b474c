import { Clock } from '@app/clock';
import { Inject } from '@nestjs/common';
import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { SessionModel } from '../auth/models/session.model';
import { EnrollmentGrace } from '../policy/enrollment-grace';
import { PolicyService } from '../policy/policy.service';
import { UsersService } from '../users/users.service';
import { TwoFactorStatusService } from './two-factor-status.service';

/** Session.enrollmentDueAt: the end of the user's enrollment grace, while it runs. */
@Resolver(() => SessionModel)
export class SessionEnrollmentDueResolver {
  constructor(
    private readonly users: UsersService,
    private readonly status: TwoFactorStatusService,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @ResolveField('enrollmentDueAt', () => Date, {
    nullable: true,
    description:
      'Set when the policy requires 2FA of this user, who has no method yet but is within enrollmentGraceDays: after this the next sign-in is PENDING_ENROLLMENT.',
  })
  async enrollmentDueAt(@Parent() session: SessionModel): Promise<Date | null> {
    const [user, policy] = await Promise.all([this.users.getById(session.userId), this.policies.get()]);
    if (!PolicyService.requiresTwoFactor(policy, user.role)) return null;
    if ((await this.status.enabledMethods(user.id)).methods.length > 0) return null;
    return EnrollmentGrace.runningUntil(policy, user.twoFactorRequiredSince, this.clock.now());
  }
}
