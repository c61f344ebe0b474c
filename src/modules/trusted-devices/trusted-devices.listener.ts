import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SecurityEventType } from '../security-events/security-event-type';
import { SECURITY_EVENT_RECORDED, SecurityEventRecorded } from '../security-events/security-events.service';
import { TrustedDevicesService } from './trusted-devices.service';

/**
 * Forgets a user's trusted devices when their password changes or their
 * last second factor is turned off. Not suppressed: if forgetting fails,
 * the request that caused it fails too.
 */
@Injectable()
export class TrustedDevicesListener {
  constructor(private readonly devices: TrustedDevicesService) {}

  @OnEvent(SECURITY_EVENT_RECORDED, { async: false, suppressErrors: false })
  async onSecurityEvent(event: SecurityEventRecorded): Promise<void> {
    if (!event.userId) return;
    const forget =
      event.type === SecurityEventType.PASSWORD_CHANGED ||
      event.type === SecurityEventType.TWO_FACTOR_RESET ||
      (event.type === SecurityEventType.METHOD_DISABLED && event.details?.lastMethod === true);
    if (forget) await this.devices.forgetAll(event.userId);
  }
}
