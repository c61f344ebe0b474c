import { Injectable } from '@nestjs/common';
import { PublishedEvent } from '../modules/events/domain-events';
import { OnAnyDomainEvent } from '../modules/events/event-bus';
import { SecurityEventType } from '../modules/security-events/security-event-type';
import { Metrics, methodLabel, oneOf } from './metrics';

const CODE_FAILURES = ['refused', 'expired'] as const;

/**
 * The security counters, all derived here from the domain events (a
 * subscriber of the event bus, like the audit log), so no service counts
 * twice or forgets to: sign-ins, second-factor checks (at sign-in and at
 * enrollment: every check the attempt gate runs), lockouts, trusted-device
 * reuse.
 */
@Injectable()
export class SecurityMetricsListener {
  constructor(private readonly metrics: Metrics) {}

  @OnAnyDomainEvent()
  count(event: PublishedEvent): void {
    const details = event.details ?? {};
    const { signIns, secondFactorChecks } = this.metrics;
    switch (event.type) {
      case SecurityEventType.SIGN_IN_SUCCEEDED:
        if (details.trustedDevice === true) signIns.inc({ result: 'succeeded', via: 'trusted_device' });
        else if (details.method !== undefined) {
          signIns.inc({ result: 'succeeded', via: 'second_factor' });
          secondFactorChecks.inc({ method: methodLabel(details.method), result: 'succeeded' });
        } else signIns.inc({ result: 'succeeded', via: 'password' });
        break;
      case SecurityEventType.SIGN_IN_FAILED:
        signIns.inc({ result: 'failed', via: 'password' });
        break;
      case SecurityEventType.SIGN_IN_THROTTLED:
        signIns.inc({ result: 'throttled', via: 'password' });
        break;
      case SecurityEventType.TWO_FACTOR_FAILED:
        secondFactorChecks.inc({ method: methodLabel(details.method), result: oneOf(details.reason, CODE_FAILURES) });
        break;
      case SecurityEventType.ACCOUNT_LOCKED:
        this.metrics.lockouts.inc();
        break;
      case SecurityEventType.TRUSTED_DEVICE_REUSED:
        this.metrics.trustedDeviceReuses.inc();
        break;
    }
  }
}
