import { Injectable } from '@nestjs/common';
import { AccessControl } from '../../common/auth/access-control';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { EventBus } from '../events/event-bus';
import { SecurityEventType } from '../security-events/security-event-type';
import { SessionEntity } from './entities/session.entity';
import { SessionsService } from './sessions.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Seeing and ending sessions: everyone their own, a holder of
 * SESSIONS_MANAGE (ADMIN) anyone's. Each session ended is SESSION_REVOKED.
 */
@Injectable()
export class SessionAdmin {
  constructor(
    private readonly sessions: SessionsService,
    private readonly access: AccessControl,
    private readonly events: EventBus,
  ) {}

  /** The open sessions of `userId` (null: the caller's). FORBIDDEN for another user's without the permission. */
  list(principal: Principal, userId: string | null): Promise<SessionEntity[]> {
    return this.sessions.listLive(this.whose(principal, userId));
  }

  /** Ends one session: NOT_FOUND for an unknown or ended one, and for another user's without the permission (nothing told). */
  async revoke(principal: Principal, sessionId: string, client: ClientInfo): Promise<true> {
    const session = UUID.test(sessionId) ? await this.sessions.findLive(sessionId) : null;
    if (!session || (session.userId !== principal.userId && !this.managesAll(principal))) throw DomainException.notFound('No open session with this id.');
    if (!(await this.sessions.revoke(session.id))) throw DomainException.notFound('No open session with this id.');
    await this.events.publish({
      type: SecurityEventType.SESSION_REVOKED,
      userId: session.userId,
      actorId: session.userId === principal.userId ? null : principal.userId,
      client,
      details: { sessionId: session.id, current: session.id === principal.sessionId },
    });
    return true;
  }

  /** The caller's other sessions (userId null or their own), or all of another user's. Returns how many ended. */
  async revokeAll(principal: Principal, userId: string | null, client: ClientInfo): Promise<number> {
    const target = this.whose(principal, userId);
    const own = target === principal.userId;
    const count = await this.sessions.revokeAllForUser(target, own ? principal.sessionId : null);
    if (count > 0) {
      await this.events.publish({
        type: SecurityEventType.SESSION_REVOKED,
        userId: target,
        actorId: own ? null : principal.userId,
        client,
        details: { count, all: true },
      });
    }
    return count;
  }

  private whose(principal: Principal, userId: string | null): string {
    if (!userId || userId === principal.userId) return principal.userId;
    if (!this.managesAll(principal)) throw new DomainException(ErrorCode.FORBIDDEN, "Only an admin may see or end another user's sessions.");
    return userId;
  }

  private managesAll(principal: Principal): boolean {
    return this.access.can(principal.role, Permission.SESSIONS_MANAGE);
  }
}
