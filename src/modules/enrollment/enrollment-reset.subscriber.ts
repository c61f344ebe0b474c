import { Injectable } from '@nestjs/common';
import { PublishedEvent, TwoFactorReset } from '../events/domain-events';
import { OnDomainEvent } from '../events/event-bus';
import { PendingEnrollmentsService } from './pending-enrollments.service';

/** A 2FA reset also drops the enrollments the user had started: they start over from nothing. */
@Injectable()
export class EnrollmentResetSubscriber {
  constructor(private readonly pending: PendingEnrollmentsService) {}

  @OnDomainEvent(TwoFactorReset)
  async drop(event: PublishedEvent): Promise<void> {
    if (event.userId) await this.pending.deleteForUser(event.userId);
  }
}
