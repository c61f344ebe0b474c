import { Injectable } from '@nestjs/common';
import { MethodDisabled, PasswordChanged, PublishedEvent, TwoFactorReset, UserDisabled } from '../events/domain-events';
import { OnDomainEvent } from '../events/event-bus';
import { TrustedDevicesService } from './trusted-devices.service';

/**
 * Forgets a user's trusted devices when their password changes, an admin
 * resets their 2FA or disables them, or their last second factor is turned off. The one place
 * that does: the services that cause these only publish the event. Not
 * suppressed: if forgetting fails, the request that caused it fails too.
 */
@Injectable()
export class TrustedDevicesListener {
  constructor(private readonly devices: TrustedDevicesService) {}

  @OnDomainEvent(PasswordChanged, TwoFactorReset, MethodDisabled, UserDisabled)
  async forget(event: PublishedEvent): Promise<void> {
    if (!event.userId) return;
    if (event.type === MethodDisabled.type && event.details?.lastMethod !== true) return;
    await this.devices.forgetAll(event.userId);
  }
}
