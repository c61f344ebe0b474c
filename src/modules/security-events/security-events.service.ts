import { addDays, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThanOrEqual, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { decodeCursor, encodeCursor, pageSize } from '../../common/pagination/cursor';
import { PublishedEvent } from '../events/domain-events';
import { OnAnyDomainEvent } from '../events/event-bus';
import { SecurityEventEntity } from './entities/security-event.entity';
import { SecurityEventType } from './security-event-type';

/** Emitted after each event is stored, with its id: for integrators who want the audit row itself. */
export const SECURITY_EVENT_RECORDED = 'security-event.recorded';

export interface SecurityEventRecorded extends PublishedEvent {
  id: string;
  createdAt: Date;
}

/**
 * The audit log: one subscriber of the event bus among others, storing
 * every event as a security_events row; and the queries over it.
 */
@Injectable()
export class SecurityEventsService {
  constructor(
    @InjectRepository(SecurityEventEntity) private readonly events: Repository<SecurityEventEntity>,
    @Inject(Clock) private readonly clock: Clock,
    private readonly emitter: EventEmitter2,
  ) {}

  /** Stores the event (awaited by the publisher, so the row exists before the answer). */
  @OnAnyDomainEvent()
  async store(event: PublishedEvent): Promise<void> {
    const createdAt = event.occurredAt;
    const result = await this.events.insert({
      type: event.type,
      userId: event.userId ?? null,
      actorId: event.actorId ?? null,
      ip: event.client?.ip ?? null,
      userAgent: event.client?.userAgent ?? null,
      details: event.details && Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : null,
      createdAt,
    });
    const id = String(result.identifiers[0]?.id ?? '');
    await this.emitter.emitAsync(SECURITY_EVENT_RECORDED, { ...event, id, createdAt } satisfies SecurityEventRecorded);
  }

  /**
   * Whether the user fully signed in from this address within `days`: a
   * "known client", which the sign-in throttle lets through an account-wide
   * delay that somebody else's guessing started. One range of
   * IDX_security_events_user_type: the user's successful sign-ins of those
   * days only, however many failures an attacker adds.
   */
  async signedInFrom(userId: string, ip: string, days: number): Promise<boolean> {
    const since = addDays(this.clock.now(), -days);
    return this.events.existsBy({ userId, ip, type: SecurityEventType.SIGN_IN_SUCCEEDED, createdAt: MoreThanOrEqual(since) });
  }

  /** Newest first, by id (insertion order). */
  async list(userId: string | null, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const where: Record<string, unknown> = {};
    if (userId) where.userId = userId;
    if (after) {
      const [id] = decodeCursor(after, 1);
      if (!/^\d+$/.test(id)) throw DomainException.badInput('after', 'after is not a cursor this server gave out');
      where.id = LessThan(Number(id));
    }
    const rows = await this.events.find({ where, order: { id: 'DESC' }, take: size + 1 });
    const items = rows.slice(0, size);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > size && last ? encodeCursor([last.id]) : null };
  }
}
