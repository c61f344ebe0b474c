import { Injectable } from '@nestjs/common';
import { PublishedEvent, SignInSucceeded } from '../events/domain-events';
import { OnDomainEvent } from '../events/event-bus';
import { UsersService } from './users.service';

/** User.lastSignInAt: every AUTHENTICATED session opened (SessionIssuer publishes SIGN_IN_SUCCEEDED for each). */
@Injectable()
export class LastSignInSubscriber {
  constructor(private readonly users: UsersService) {}

  @OnDomainEvent(SignInSucceeded)
  async record(event: PublishedEvent): Promise<void> {
    if (event.userId) await this.users.recordSignIn(event.userId, event.occurredAt);
  }
}
