import { Injectable } from '@nestjs/common';
import { TwoFactorAttemptsEntity } from '../attempts/entities/two-factor-attempts.entity';
import { AttemptsService } from '../attempts/attempts.service';
import { TwoFactorStatusService } from '../enrollment/two-factor-status.service';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';

/** What the sign-in flow decides from, once the password is right. */
export interface SignInFacts {
  policy: TwoFactorPolicy;
  /** The user's attempt counter row (null before their first challenge). */
  counter: TwoFactorAttemptsEntity | null;
  /** Their enabled methods and the preferred one. */
  enabled: { methods: string[]; preferredMethod: string | null };
}

/**
 * The reads of a sign-in in one statement: the user (looked up by email
 * before the password is checked, as always) with their attempt counter,
 * their methods and the policy joined to it, each part owned and read back
 * by its module. A user found some other way gets the reads side by side.
 */
@Injectable()
export class SignInReads {
  private readonly facts = new WeakMap<UserEntity, SignInFacts>();

  constructor(
    private readonly users: UsersService,
    private readonly policies: PolicyService,
    private readonly attempts: AttemptsService,
    private readonly userMethods: UserMethodsService,
    private readonly status: TwoFactorStatusService,
  ) {}

  async findUser(normalizedEmail: string): Promise<UserEntity | null> {
    const parts = { policy: this.policies.joined('p', 'policy_'), counter: this.attempts.joined('a', 'attempts_', 'u.id'), methods: this.userMethods.joined('methods_', 'u.id') };
    const found = await this.users.findByEmailWith(normalizedEmail, Object.values(parts));
    if (!found) return null;
    const { row, user } = found;
    this.facts.set(user, { policy: parts.policy.read(row), counter: parts.counter.read(row), enabled: this.status.summarize(parts.methods.read(row)) });
    return user;
  }

  /** The facts read with the user, or read now. */
  async factsOf(user: UserEntity): Promise<SignInFacts> {
    const known = this.facts.get(user);
    if (known) return known;
    const [policy, counter, enabled] = await Promise.all([this.policies.get(), this.attempts.read(user.id), this.status.enabledMethods(user.id)]);
    return { policy, counter, enabled };
  }
}
