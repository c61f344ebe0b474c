import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SecurityEventType } from '../security-events/security-event-type';
import { SECURITY_EVENT_RECORDED, SecurityEventRecorded } from '../security-events/security-events.service';
import { AttemptsService } from './attempts.service';

/**
 * An admin's two-factor reset ("I lost my phone") lets the user start over at
 * once: their failed attempts, cooldown and lockout are cleared. Not
 * suppressed: if clearing fails, the reset request fails too.
 */
@Injectable()
export class AttemptsResetListener {
  constructor(private readonly attempts: AttemptsService) {}

  @OnEvent(SECURITY_EVENT_RECORDED, { async: false, suppressErrors: false })
  async onSecurityEvent(event: SecurityEventRecorded): Promise<void> {
    if (event.type === SecurityEventType.TWO_FACTOR_RESET && event.userId) await this.attempts.clear(event.userId);
  }
}
