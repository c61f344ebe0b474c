import { Injectable } from '@nestjs/common';
import { TwoFactorReset } from '../events/domain-events';
import { OnDomainEvent } from '../events/event-bus';
import { AttemptsService } from './attempts.service';

/**
 * An admin's two-factor reset ("I lost my phone") lets the user start over at
 * once: their failed attempts, cooldown and lockout are cleared. Not
 * suppressed: if clearing fails, the reset fails too.
 */
@Injectable()
export class AttemptsResetSubscriber {
  constructor(private readonly attempts: AttemptsService) {}

  @OnDomainEvent(TwoFactorReset)
  async clear(event: { userId?: string | null }): Promise<void> {
    if (event.userId) await this.attempts.clear(event.userId);
  }
}
