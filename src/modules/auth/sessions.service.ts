import { addMinutes, Clock } from '@app/clock';
import { KeyedHasher, randomToken } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, IsNull, MoreThan, Not, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { ClientInfo } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { PolicyService } from '../policy/policy.service';
import { UserEntity } from '../users/entities/user.entity';
import { SessionEntity } from './entities/session.entity';
import { insertRows } from '../../database/insert-rows';

/** Life of a session that still owes a second factor or an enrollment. */
export const PENDING_SESSION_MINUTES = 10;
/** An AUTHENTICATED session's expiry is pushed forward at most this often. */
const TOUCH_INTERVAL_MS = 60_000;

export interface OpenedSession {
  /** The bearer token: shown once, stored only as a keyed hash. */
  token: string;
  session: SessionEntity;
}

@Injectable()
export class SessionsService {
  /** The session lookup's SQL by the number of token digests tried (1, or 2 during a key rotation): built once. */
  private readonly lookupStatements = new Map<number, string>();

  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly hasher: KeyedHasher,
    private readonly config: AppConfig,
    private readonly policies: PolicyService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Every session is opened right after the user proved something (a password, a factor): verified now. */
  async open(userId: string, stage: SessionStage, client: ClientInfo | null): Promise<OpenedSession> {
    const now = this.clock.now();
    const token = randomToken();
    const absolute =
      stage === SessionStage.AUTHENTICATED ? addMinutes(now, this.config.sessionMaxHours * 60) : addMinutes(now, PENDING_SESSION_MINUTES);
    const expiresAt = stage === SessionStage.AUTHENTICATED ? this.slidingExpiry(now, absolute) : absolute;
    const session = this.sessions.create({
      id: randomUUID(),
      tokenHash: this.hasher.tokenDigest(token),
      userId,
      stage,
      createdAt: now,
      expiresAt,
      absoluteExpiresAt: absolute,
      revokedAt: null,
      verifiedAt: now,
      lastSeenAt: null,
      ip: client?.ip ?? null,
      userAgent: client?.userAgent ?? null,
    });
    await insertRows(this.sessions, session);
    return { token, session };
  }

  /** The live session behind a bearer token, or null. Slides an AUTHENTICATED session's idle expiry. */
  async resolve(token: unknown): Promise<Principal | null> {
    if (typeof token !== 'string' || token.length > 100) return null;
    const now = this.clock.now();
    const found = await this.findLiveWithUser(this.hasher.tokenDigests(token), now);
    if (!found) return null;
    const { session, user } = found;
    if (session.stage === SessionStage.AUTHENTICATED) await this.touch(session, now);
    return {
      sessionId: session.id,
      stage: session.stage,
      sessionExpiresAt: session.expiresAt,
      userId: user.id,
      email: user.email,
      role: user.role,
      verifiedAt: session.verifiedAt,
    };
  }

  /**
   * The hot path of every authenticated request: the live session and its
   * (enabled: a disabled user has no live session, whatever raced with the
   * disabling) user in ONE indexed statement (UQ_sessions_token, then the users primary
   * key), written as SQL because TypeORM's query building costs more CPU
   * than the lookup itself (docs/performance.md). Values go through the
   * driver's own conversions, so it runs on MySQL and the embedded SQLite.
   */
  private async findLiveWithUser(
    /** The token's digest under the current key, then under APP_SECRET_PREVIOUS (sessions opened before a rotation). */
    tokenHashes: string[],
    now: Date,
  ): Promise<{
    session: Pick<SessionEntity, 'id' | 'stage' | 'expiresAt' | 'absoluteExpiresAt' | 'verifiedAt'>;
    user: Pick<UserEntity, 'id' | 'email' | 'role'>;
  } | null> {
    const sessions = this.sessions.metadata;
    const driver = this.sessions.manager.connection.driver;
    const column = (name: string) => sessions.findColumnWithPropertyName(name)!;
    // The policy row rides along (primary key, one row): whatever this request then asks of the policy is known.
    const policy = this.policies.joined('p', 'policy_');
    let sql = this.lookupStatements.get(tokenHashes.length);
    if (sql === undefined) {
      const users = this.sessions.manager.connection.getMetadata(UserEntity);
      sql = `SELECT s.id AS sessionId, s.stage AS stage, s.expiresAt AS expiresAt, s.absoluteExpiresAt AS absoluteExpiresAt,
              s.verifiedAt AS verifiedAt, u.id AS userId, u.email AS email, u.role AS role, ${policy.columns}
         FROM ${driver.escape(sessions.tableName)} s INNER JOIN ${driver.escape(users.tableName)} u ON u.id = s.userId
              LEFT JOIN ${policy.join}
        WHERE s.tokenHash IN (${tokenHashes.map(() => '?').join(', ')}) AND s.revokedAt IS NULL AND s.expiresAt > ? AND u.disabled = 0`;
      this.lookupStatements.set(tokenHashes.length, sql);
    }
    const rows: Array<Record<string, unknown>> = await this.sessions.query(sql, [
      ...tokenHashes,
      driver.preparePersistentValue(now, column('expiresAt')),
    ]);
    const row = rows[0];
    if (!row) return null;
    policy.keep(row);
    return {
      session: {
        id: row.sessionId as string,
        stage: row.stage as SessionStage,
        expiresAt: driver.prepareHydratedValue(row.expiresAt, column('expiresAt')) as Date,
        absoluteExpiresAt: driver.prepareHydratedValue(row.absoluteExpiresAt, column('absoluteExpiresAt')) as Date,
        verifiedAt: row.verifiedAt == null ? null : (driver.prepareHydratedValue(row.verifiedAt, column('verifiedAt')) as Date),
      },
      user: { id: row.userId as string, email: row.email as string, role: row.role as UserEntity['role'] },
    };
  }

  findLive(sessionId: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ id: sessionId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) });
  }

  /**
   * Ends one session. True only for the call that ended it, so two requests
   * racing to finish the same pending sign-in cannot both proceed.
   */
  async revoke(sessionId: string): Promise<boolean> {
    const result = await this.sessions.update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Ends every live session of the user, except `keepSessionId`. Returns how
   * many. With `manager`, inside that transaction (disabling a user).
   */
  async revokeAllForUser(userId: string, keepSessionId?: string | null, manager?: EntityManager): Promise<number> {
    const where = keepSessionId ? { userId, revokedAt: IsNull(), id: Not(keepSessionId) } : { userId, revokedAt: IsNull() };
    const repository = manager ? manager.getRepository(SessionEntity) : this.sessions;
    const result = await repository.update(where, { revokedAt: this.clock.now() });
    return result.affected ?? 0;
  }

  /** The user's open sessions (any stage), newest first: a few rows of IDX_sessions_user. */
  listLive(userId: string): Promise<SessionEntity[]> {
    return this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** Ends every live pending session of the user (both pending stages: a lockout ends every sign-in in progress). Returns how many. */
  async revokePendingForUser(userId: string): Promise<number> {
    const pending = In([SessionStage.PENDING_TWO_FACTOR, SessionStage.PENDING_ENROLLMENT]);
    const result = await this.sessions.update({ userId, stage: pending, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    return result.affected ?? 0;
  }

  /** The user just entered their password again in this session: it counts as recently authenticated. */
  async markVerified(sessionId: string): Promise<void> {
    await this.sessions.update({ id: sessionId, revokedAt: IsNull() }, { verifiedAt: this.clock.now() });
  }

  /**
   * Turns the live AUTHENTICATED sessions of the users that `userIds` (a
   * sub-query selecting user ids) finds into PENDING_ENROLLMENT ones, for
   * when the policy now requires a second factor they lack: their next
   * request answers ENROLLMENT_REQUIRED until they enroll (which gives a new
   * AUTHENTICATED session). Like any pending session, each lives at most
   * PENDING_SESSION_MINUTES from now. Two set-based UPDATEs, however many
   * users. Returns how many sessions.
   */
  async demoteToEnrollment(userIds: SelectQueryBuilder<ObjectLiteral>): Promise<number> {
    const now = this.clock.now();
    const pendingExpiry = addMinutes(now, PENDING_SESSION_MINUTES);
    const demote = (changes: Partial<SessionEntity>, expiringAfter: Date) =>
      this.sessions
        .createQueryBuilder()
        .update()
        .set(changes)
        .where('stage = :authenticated AND revokedAt IS NULL AND expiresAt > :expiringAfter')
        .andWhere(`userId IN (${userIds.getQuery()})`)
        .setParameters({ ...userIds.getParameters(), authenticated: SessionStage.AUTHENTICATED, expiringAfter })
        .execute();
    const shortened = await demote({ stage: SessionStage.PENDING_ENROLLMENT, expiresAt: pendingExpiry, absoluteExpiresAt: pendingExpiry }, pendingExpiry);
    const rest = await demote({ stage: SessionStage.PENDING_ENROLLMENT }, now);
    return (shortened.affected ?? 0) + (rest.affected ?? 0);
  }

  private slidingExpiry(now: Date, absolute: Date): Date {
    const idle = addMinutes(now, this.config.sessionIdleMinutes);
    return idle < absolute ? idle : absolute;
  }

  /** At most one write a minute per session: reading a session is the hot path. */
  private async touch(session: Pick<SessionEntity, 'id' | 'expiresAt' | 'absoluteExpiresAt'>, now: Date): Promise<void> {
    const next = this.slidingExpiry(now, session.absoluteExpiresAt);
    if (next.getTime() - session.expiresAt.getTime() < TOUCH_INTERVAL_MS) return;
    await this.sessions.update({ id: session.id, revokedAt: IsNull() }, { expiresAt: next, lastSeenAt: now });
    session.expiresAt = next;
  }
}
