import { Injectable } from '@nestjs/common';
import { AccountLocked, PublishedEvent } from '../events/domain-events';
import { OnDomainEvent } from '../events/event-bus';
import { ChallengeStore } from './challenge-store.service';

/** At a lockout the codes delivered for the user's pending sign-ins die with them (LockoutService ended the sessions). */
@Injectable()
export class ChallengeLockoutSubscriber {
  constructor(private readonly store: ChallengeStore) {}

  @OnDomainEvent(AccountLocked)
  async discard(event: PublishedEvent): Promise<void> {
    if (event.userId) await this.store.discardAllOf(event.userId);
  }
}
