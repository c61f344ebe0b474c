import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, PublishedEvent } from './domain-events';

/** The channel every event is published on (the audit log listens here). */
export const ALL_DOMAIN_EVENTS = 'twofold:event';
const channelOf = (type: string) => `twofold:event:${type}`;

/**
 * Publishes domain events to their subscribers and waits for them, so that
 * what they do (the audit row, forgetting devices, queuing a notice) is done
 * before the request answers; a subscriber that throws fails the request.
 * The one way anything in Twofold says "this happened".
 */
@Injectable()
export class EventBus {
  constructor(
    private readonly emitter: EventEmitter2,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async publish(event: DomainEvent): Promise<void> {
    const published: PublishedEvent = {
      type: event.type,
      userId: event.userId ?? null,
      actorId: event.actorId ?? null,
      client: event.client ?? null,
      details: event.details,
      occurredAt: this.clock.now(),
    };
    await Promise.all([this.emitter.emitAsync(ALL_DOMAIN_EVENTS, published), this.emitter.emitAsync(channelOf(event.type), published)]);
  }
}

/**
 * Subscribes a provider's method to events of these types (typed event
 * classes, or `{ type: 'X' }` for an integrator's own). Awaited by publish;
 * errors reach the publisher: a subscriber that must never fail a request
 * catches its own.
 */
export function OnDomainEvent(...types: Array<{ readonly type: string }>): MethodDecorator {
  // One listener per type (an array would be one namespaced event name to EventEmitter2).
  return (target, key, descriptor) => {
    for (const t of types) OnEvent(channelOf(t.type), { async: false, suppressErrors: false })(target, key, descriptor);
    return descriptor;
  };
}

/** Subscribes to every event (the audit log, metrics, an integrator's forwarder). */
export function OnAnyDomainEvent(): MethodDecorator {
  return OnEvent(ALL_DOMAIN_EVENTS, { async: false, suppressErrors: false });
}
