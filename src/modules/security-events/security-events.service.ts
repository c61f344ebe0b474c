import { addDays, Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThanOrEqual, Repository, SelectQueryBuilder } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { normalizeIp } from '../../common/http/request-context';
import { decodeCursor, encodeCursor, pageSize } from '../../common/pagination/cursor';
import { newestFirstKeys, olderThan, PageKey, rowsInOrder } from '../../database/newest-first';
import { PublishedEvent } from '../events/domain-events';
import { OnAnyDomainEvent } from '../events/event-bus';
import { SecurityEventEntity } from './entities/security-event.entity';
import { SecurityEventType } from './security-event-type';

/** Emitted after each event is stored, with its id: for integrators who want the audit row itself. */
export const SECURITY_EVENT_RECORDED = 'security-event.recorded';

/** The filters of securityEvents; absent, null or empty: not filtered. */
export interface SecurityEventFilters {
  types?: string[] | null;
  /** Inclusive. */
  since?: Date | null;
  /** Exclusive. */
  until?: Date | null;
  ip?: string | null;
}

/** More types than this in one filter is not a search but a scan: BAD_USER_INPUT. */
export const MAX_TYPES_FILTER = 30;

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

  /**
   * Newest first by (createdAt, id), filtered. Each type is one range of an
   * index ending in createdAt (IDX_security_events_type, or _user_type with a
   * user; _user_created, _ip or _created without types), so a page reads its
   * rows in order and stops, on five million events as on fifty
   * (newestFirstKeys; EXPLAINed in test/admin-indexes).
   */
  async list(userId: string | null, first: number | null | undefined, after: string | null | undefined, filters: SecurityEventFilters = {}) {
    const size = pageSize(first);
    const cursor = after ? eventCursor(after) : null;
    const keys = await newestFirstKeys(
      this.events,
      this.ranges(userId, filters).map((range) => olderThan(range, cursor)),
      size + 1,
    );
    const items = await rowsInOrder(this.events, keys.slice(0, size));
    const last = items[items.length - 1];
    return { items, nextCursor: keys.length > size && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  /** The page's ranges, one per type (the index test EXPLAINs them). */
  ranges(userId: string | null, filters: SecurityEventFilters): Array<SelectQueryBuilder<SecurityEventEntity>> {
    const types = checkedTypes(filters.types);
    const ip = filters.ip === null || filters.ip === undefined ? null : normalizeIp(filters.ip);
    if (filters.ip !== null && filters.ip !== undefined && ip === null) throw DomainException.badInput('ip', 'ip must be an IPv4 or IPv6 address');
    const range = (type: string | null) => {
      const query = this.events.createQueryBuilder('row');
      if (userId) query.andWhere('row.userId = :userId', { userId });
      if (type) query.andWhere('row.type = :type', { type });
      if (ip) query.andWhere('row.ip = :ip', { ip });
      if (filters.since) query.andWhere('row.createdAt >= :since', { since: filters.since });
      if (filters.until) query.andWhere('row.createdAt < :until', { until: filters.until });
      return query;
    };
    return types.length > 0 ? types.map(range) : [range(null)];
  }
}

function checkedTypes(types: string[] | null | undefined): string[] {
  const unique = [...new Set(types ?? [])];
  if (unique.length > MAX_TYPES_FILTER) throw DomainException.badInput('types', `types may name at most ${MAX_TYPES_FILTER} types`);
  if (unique.some((type) => !/^[A-Za-z0-9_.:-]{1,48}$/.test(type))) {
    throw DomainException.badInput('types', 'each of types must be an event type name such as SIGN_IN_FAILED');
  }
  return unique;
}

function eventCursor(after: string): PageKey {
  const [createdAt, id] = decodeCursor(after, 2);
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime()) || !/^\d+$/.test(id)) throw DomainException.badInput('after', 'after is not a cursor this server gave out');
  return { createdAt: at, id: Number(id) };
}
