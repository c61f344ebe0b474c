import { addSeconds, Clock, secondsUntil } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { AuthService } from '../auth/auth.service';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { TwoFactorChallengeModel } from '../auth/models/two-factor-challenge.model';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorMethodHandler, VerificationOutcome } from '../methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { TwoFactorStatusService } from '../enrollment/two-factor-status.service';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventsService } from '../security-events/security-events.service';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { UserEntity } from '../users/entities/user.entity';
import { UserModel } from '../users/models/user.model';
import { UsersService } from '../users/users.service';
import { AttemptClaim, AttemptsService, AttemptsSnapshot, lockedError, LockoutStarted } from './attempts.service';
import { CodeSendsService } from './code-sends.service';
import { tryAgainIn } from './duration-words';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';
import { insertIfAbsent, insertRows } from '../../database/insert-rows';

/** Codes one pending sign-in may send (the first included), so resend cannot flood a mailbox. */
export const MAX_SENDS_PER_CHALLENGE = 5;

/** The user's enabled primary methods as handlers, and the preferred one. */
export interface UserMethods {
  /** Every enabled primary method, allowed by the policy or not: the user has 2FA when there is one. */
  enabled: TwoFactorMethodHandler[];
  /** The enabled ones the policy allows (preferred first): what the challenge offers. */
  primaries: TwoFactorMethodHandler[];
  /** The preferred method, when the policy allows it. */
  preferred: TwoFactorMethodHandler | null;
}

export interface VerifyRequest {
  method: string;
  code: string;
  rememberDevice: boolean;
}

/**
 * The pending-2FA sign-in: opens the challenge after the password, checks
 * codes through the method handlers (never by method name), counts failures
 * per user (AttemptsService), resends and cancels.
 */
@Injectable()
export class ChallengeService {
  private authService: AuthService | null = null;

  constructor(
    @InjectRepository(TwoFactorChallengeEntity) private readonly challenges: Repository<TwoFactorChallengeEntity>,
    private readonly attempts: AttemptsService,
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly status: TwoFactorStatusService,
    private readonly policies: PolicyService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly events: SecurityEventsService,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly codeSends: CodeSendsService,
    private readonly moduleRef: ModuleRef,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** AuthService depends on the sign-in flow, which depends on this: resolved on first use. */
  private get auth(): AuthService {
    if (!this.authService) this.authService = this.moduleRef.get(AuthService, { strict: false })!;
    return this.authService;
  }

  /** A full session (SIGN_IN_SUCCEEDED with `details`). */
  openAuthenticated(user: UserEntity, client: ClientInfo, details?: Record<string, string | boolean>): Promise<AuthPayloadModel> {
    return this.auth.openAuthenticated(user, client, details);
  }

  /** The user has no method yet and the policy requires one: a session that may only enroll. */
  async openEnrollment(user: UserEntity, client: ClientInfo): Promise<AuthPayloadModel> {
    const { token, session } = await this.sessions.open(user.id, SessionStage.PENDING_ENROLLMENT, client);
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge: null, user: UserModel.from(user) };
  }

  /**
   * Opens a PENDING_TWO_FACTOR session for a user whose password was right
   * and who has enabled `methods`, and sends the code at once when the
   * preferred method delivers one (CloudCX: "The system will send you the
   * six-digit verification code to your email automatically"); when the
   * policy no longer allows the preferred method, through the first allowed
   * method that delivers. Past the user's hourly cap of sends the email is
   * skipped: the challenge is opened all the same and its resend tells when
   * a code can be sent.
   */
  async begin(
    user: UserEntity,
    client: ClientInfo,
    policy: TwoFactorPolicy,
    methods: UserMethods,
    attempts: AttemptsSnapshot,
  ): Promise<AuthPayloadModel> {
    const now = this.clock.now();
    const { token, session } = await this.sessions.open(user.id, SessionStage.PENDING_TWO_FACTOR, client);

    const row = this.blankRow(session.id, user.id, now, session.expiresAt);
    const sender = methods.preferred
      ? (methods.preferred.deliver ? methods.preferred : null)
      : (methods.primaries.find((h) => typeof h.deliver === 'function') ?? null);
    if (sender) {
      const refusal = await this.codeSends.take(user.id, now);
      if (!refusal) {
        const receipt = await this.tryDeliver(sender, { user, challengeId: session.id, now, policy }).catch(async (error: unknown) => {
          await this.codeSends.giveBack(user.id);
          throw error;
        });
        if (receipt) Object.assign(row, { lastSentAt: now, sendCount: 1, sentTo: receipt.sentTo, deliveredMethod: sender.method });
        else await this.codeSends.giveBack(user.id);
      }
    }
    await insertRows(this.challenges, row);
    const challenge = await this.model(row, user.id, policy, methods, attempts);
    return { stage: session.stage, sessionToken: token, expiresAt: session.expiresAt, challenge, user: null };
  }

  /** The challenge of a PENDING_TWO_FACTOR session (Session.challenge). */
  async describe(sessionId: string, userId: string, sessionExpiresAt: Date): Promise<TwoFactorChallengeModel> {
    const [row, policy, enabled] = await Promise.all([
      this.challenges.findOneBy({ sessionId, userId }),
      this.policies.get(),
      this.status.enabledMethods(userId),
    ]);
    // No row: a pending session opened some other way; nothing was sent for it yet.
    return this.model(row ?? this.blankRow(sessionId, userId, this.clock.now(), sessionExpiresAt), userId, policy, this.methodsFrom(enabled, policy));
  }

  /**
   * Checks a code. The attempt is claimed (atomically, per user) before the
   * handler sees the code; a malformed code, a method the user lacks or the
   * policy does not allow, or a refused rememberDevice cost nothing. While a
   * cooldown or lockout runs, that is the answer whatever was entered (the
   * seeds: "Please try again in five minutes").
   */
  async verify(principal: Principal, request: VerifyRequest, client: ClientInfo): Promise<AuthPayloadModel> {
    const { userId, sessionId } = principal;
    const found = this.registry.get(request.method) ?? null;
    const [policy, enabled] = await Promise.all([this.policies.get(), found?.primary ? found.isEnabled(userId) : found !== null]);
    const checked = this.checkBeforeAttempt(found, request, enabled, policy);
    if (checked instanceof DomainException) {
      await this.attempts.assertNoWait(userId, policy).catch(async (error: unknown) => {
        // Locked out meanwhile (another session's fifth failure): this pending sign-in ends too.
        if (error instanceof DomainException && error.code === ErrorCode.ACCOUNT_LOCKED) await this.lockOut(userId, sessionId);
        throw error;
      });
      throw checked;
    }
    const { handler, code } = checked;
    // The session is live and pending: the guard has just read it for this very field (guards run per
    // field, so an earlier aliased field that ended it is seen), and succeed() ends it conditionally.

    let claim: AttemptClaim;
    try {
      claim = await this.attempts.claim(userId, policy);
    } catch (error) {
      if (error instanceof LockoutStarted) await this.recordLockout(userId, error.lockedUntil, policy, client);
      if (error instanceof DomainException && error.code === ErrorCode.ACCOUNT_LOCKED) await this.lockOut(userId, sessionId);
      throw error;
    }

    let outcome: VerificationOutcome;
    try {
      outcome = await handler.verify({ userId, challengeId: sessionId, code, now: this.clock.now(), policy, client });
    } catch (error) {
      await this.attempts.released(claim);
      throw error;
    }
    if (outcome.status === 'accepted') return this.succeed(principal, handler, outcome.details ?? {}, claim, request.rememberDevice, client);
    return this.fail(principal, handler, outcome.status, claim, client);
  }

  /** The handler and the normalised code, or why this entry cannot be checked at all (it then costs no attempt). */
  private checkBeforeAttempt(
    handler: TwoFactorMethodHandler | null,
    request: VerifyRequest,
    enabled: boolean,
    policy: TwoFactorPolicy,
  ): { handler: TwoFactorMethodHandler; code: string } | DomainException {
    if (!handler) return new DomainException(ErrorCode.METHOD_NOT_AVAILABLE);
    const code = handler.normalizeCode(request.code);
    if (code === null) return DomainException.badInput('code', 'This is not a code of this method: check what you typed.');
    if (request.rememberDevice && TrustedDevicesService.rememberDeviceDays(policy) === null) {
      return DomainException.badInput('rememberDevice', 'The security policy asks for a second factor at every sign-in: this device cannot be remembered.');
    }
    // Fallbacks (backup codes) are always offered: an admin may issue one at any time.
    if (handler.primary && !policy.allowedMethods.includes(handler.method)) {
      return new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'The security policy does not allow this method: use another one or a backup code.');
    }
    if (!enabled) return new DomainException(ErrorCode.METHOD_NOT_AVAILABLE);
    return { handler, code };
  }

  private async succeed(
    principal: Principal,
    handler: TwoFactorMethodHandler,
    details: Record<string, string | boolean>,
    claim: AttemptClaim,
    rememberDevice: boolean,
    client: ClientInfo,
  ): Promise<AuthPayloadModel> {
    const { userId, sessionId } = principal;
    // Only the request that ends the pending session goes on: two racing successes mint one session.
    if (!(await this.sessions.revoke(sessionId))) {
      await this.attempts.released(claim);
      throw new DomainException(ErrorCode.UNAUTHENTICATED);
    }
    // Independent statements, sent side by side: fewer round trips on the sign-in's critical path.
    const [user] = await Promise.all([
      this.users.getById(userId),
      this.attempts.succeeded(claim),
      this.discard(sessionId, userId),
    ]);
    if (!handler.primary) {
      // A fallback code (backup code, admin-issued code) was spent: the handler says which, never the code.
      // An admin-issued one names its admin as the actor ({ adminIssued: true, issuedBy }).
      const actorId = details.adminIssued === true && typeof details.issuedBy === 'string' ? details.issuedBy : null;
      await this.events.record({ type: SecurityEventType.BACKUP_CODE_USED, userId, actorId, client, details: { method: handler.method, ...details } });
    }
    const payload = await this.openAuthenticated(user, client, { method: handler.method });
    if (!rememberDevice) return payload;
    try {
      const device = await this.trustedDevices.trust(userId, client);
      return { ...payload, trustedDeviceToken: device.token, trustedDeviceExpiresAt: device.expiresAt };
    } catch (error) {
      // The policy changed to EVERY_LOGIN meanwhile: signed in, just not remembered.
      if (error instanceof DomainException) return payload;
      throw error;
    }
  }

  private async fail(
    principal: Principal,
    handler: TwoFactorMethodHandler,
    status: 'refused' | 'expired',
    claim: AttemptClaim,
    client: ClientInfo,
  ): Promise<never> {
    const { userId, sessionId } = principal;
    const policy = claim.policy;
    const result = await this.attempts.failed(claim);
    await this.events.record({
      type: SecurityEventType.TWO_FACTOR_FAILED,
      userId,
      client,
      details: { method: handler.method, reason: status, ...(result.kind === 'failed' && { attemptsRemaining: result.attemptsRemaining }) },
    });
    if (result.kind === 'locked') {
      await this.lockOut(userId, sessionId);
      if (result.started) await this.recordLockout(userId, result.lockedUntil, policy, client);
      throw lockedError(result.retryAfterSeconds, policy);
    }
    const { attemptsRemaining, retryAfterSeconds } = result;
    const base = status === 'expired' ? 'The code has expired.' : 'The code is incorrect.';
    const message = retryAfterSeconds !== undefined ? `${base} ${tryAgainIn(policy.cooldownMinutes)}` : base;
    throw new DomainException(status === 'expired' ? ErrorCode.CODE_EXPIRED : ErrorCode.INVALID_CODE, message, {
      attemptsRemaining,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });
  }

  /**
   * Sends a new code (replacing the last one) through the delivering method:
   * the one that sent before, else the preferred one, else the first enabled
   * that delivers. Also the first send when that method is not the preferred
   * one. Never touches the attempt count.
   */
  async resend(principal: Principal, client: ClientInfo): Promise<TwoFactorChallengeModel> {
    const { userId, sessionId } = principal;
    const session = await this.sessions.findLive(sessionId);
    if (!session || session.stage !== SessionStage.PENDING_TWO_FACTOR) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    const [policy, counter, enabled, user] = await Promise.all([
      this.policies.get(),
      this.attempts.read(userId),
      this.status.enabledMethods(userId),
      this.users.getById(userId),
    ]);
    // No code is mailed during a lockout.
    const attempts = this.attempts.snapshotOf(counter, policy);
    if (attempts.lockedForSeconds > 0) throw lockedError(attempts.lockedForSeconds, policy);
    const methods = this.methodsFrom(enabled, policy);
    const row = await this.challengeRow(sessionId, userId, session.createdAt, session.expiresAt);
    const deliverer = this.deliverer(methods, row.deliveredMethod);
    if (!deliverer?.deliver) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'None of your two-factor methods sends a code: use your app or a backup code.');
    }

    const now = this.clock.now();
    const claimed = await this.challenges
      .createQueryBuilder()
      .update()
      .set({ sendCount: () => 'sendCount + 1', lastSentAt: now })
      .where('sessionId = :sessionId', { sessionId })
      .andWhere('(lastSentAt IS NULL OR lastSentAt <= :threshold)', { threshold: addSeconds(now, -policy.resendCooldownSeconds) })
      .andWhere('sendCount < :cap', { cap: MAX_SENDS_PER_CHALLENGE })
      .execute();
    if ((claimed.affected ?? 0) === 0) {
      const current = await this.challenges.findOneBy({ sessionId });
      // Cancelled or finished meanwhile (the row goes with the session).
      if (!current) throw new DomainException(ErrorCode.UNAUTHENTICATED);
      if (current.sendCount >= MAX_SENDS_PER_CHALLENGE) {
        throw new DomainException(ErrorCode.RATE_LIMITED, 'No more codes can be sent for this sign-in. Cancel and sign in again.', {
          retryAfterSeconds: Math.max(1, secondsUntil(session.expiresAt, now)),
        });
      }
      const availableAt = addSeconds(current.lastSentAt ?? now, policy.resendCooldownSeconds);
      throw new DomainException(ErrorCode.RESEND_TOO_SOON, undefined, { retryAfterSeconds: Math.max(1, secondsUntil(availableAt, now)) });
    }

    // Nothing is sent: give the challenge's send back.
    const giveBack = () =>
      this.challenges
        .createQueryBuilder()
        .update()
        .set({ sendCount: () => 'CASE WHEN sendCount > 0 THEN sendCount - 1 ELSE 0 END', lastSentAt: row.lastSentAt })
        .where('sessionId = :sessionId AND lastSentAt = :now', { sessionId, now })
        .execute();
    const refusal = await this.codeSends.take(userId, now);
    if (refusal) {
      await giveBack();
      throw new DomainException(ErrorCode.RATE_LIMITED, 'Too many codes were sent to you in the last hour. Please try again later.', {
        retryAfterSeconds: Math.max(1, secondsUntil(refusal.availableAt, now)),
      });
    }

    let receipt;
    try {
      receipt = await deliverer.deliver({ userId, email: user.email, challengeId: sessionId, now, policy });
    } catch (error) {
      await giveBack();
      await this.codeSends.giveBack(userId);
      throw error;
    }
    await this.challenges.update({ sessionId }, { sentTo: receipt.sentTo, deliveredMethod: deliverer.method });
    Object.assign(row, { lastSentAt: now, sendCount: row.sendCount + 1, sentTo: receipt.sentTo, deliveredMethod: deliverer.method });
    return this.model(row, userId, policy, methods, attempts);
  }

  /** Ends a pending sign-in; a code sent for it dies with it. */
  async cancel(principal: Principal): Promise<boolean> {
    await this.end(principal.sessionId, principal.userId);
    return true;
  }

  /** Ends the pending session and voids what was delivered for it. */
  private async end(sessionId: string, userId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
    await this.discard(sessionId, userId);
  }

  /**
   * The user is locked out: every pending sign-in of theirs ends (not only
   * the one that failed), and the codes delivered for them die.
   */
  private async lockOut(userId: string, sessionId: string): Promise<void> {
    await this.sessions.revokeStageForUser(userId, SessionStage.PENDING_TWO_FACTOR);
    const rows = await this.challenges.find({ where: { userId, expiresAt: MoreThan(this.clock.now()) }, select: { sessionId: true } });
    const ids = new Set([sessionId, ...rows.map((row) => row.sessionId)]);
    for (const id of ids) await this.discard(id, userId);
  }

  private async recordLockout(userId: string, lockedUntil: Date, policy: TwoFactorPolicy, client: ClientInfo): Promise<void> {
    await this.events.record({
      type: SecurityEventType.ACCOUNT_LOCKED,
      userId,
      client,
      details: { lockedUntil: lockedUntil.toISOString(), lockoutMinutes: policy.lockoutMinutes, failures: policy.maxAttempts },
    });
  }

  /** Voids the codes delivered for a finished challenge and forgets it. */
  private async discard(sessionId: string, userId: string): Promise<void> {
    await Promise.all([
      ...this.registry.all().map((h) => h.cancel?.({ userId, challengeId: sessionId })),
      this.challenges.delete({ sessionId }),
    ]);
  }

  private async model(
    row: TwoFactorChallengeEntity,
    userId: string,
    policy: TwoFactorPolicy,
    methods: UserMethods,
    known?: AttemptsSnapshot,
  ): Promise<TwoFactorChallengeModel> {
    const attempts = known ?? (await this.attempts.snapshot(userId, policy));
    const deliverer = this.deliverer(methods, row.deliveredMethod);
    let resendAvailableAt: Date | null = null;
    if (deliverer && row.sendCount < MAX_SENDS_PER_CHALLENGE) {
      resendAvailableAt = row.lastSentAt ? addSeconds(row.lastSentAt, policy.resendCooldownSeconds) : row.createdAt;
      // The user's hourly cap, when it is reached, holds every challenge's resend back.
      const hourly = await this.codeSends.hourlyAvailableAt(userId);
      if (hourly && hourly > resendAvailableAt) resendAvailableAt = hourly;
    }
    return {
      methods: this.answerableMethods(methods),
      emailSentTo: row.sentTo,
      resendAvailableAt,
      attemptsRemaining: attempts.attemptsRemaining,
      retryAvailableAt: attempts.retryAvailableAt,
      rememberDeviceDays: TrustedDevicesService.rememberDeviceDays(policy),
      expiresAt: row.expiresAt,
    };
  }

  /** The enabled methods, plus every fallback (backup codes: an admin may issue one at any time). */
  private answerableMethods(methods: UserMethods): TwoFactorMethod[] {
    const known = new Set<string>(Object.values(TwoFactorMethod));
    const names = [...methods.primaries.map((h) => h.method), ...this.registry.all().filter((h) => !h.primary).map((h) => h.method)];
    return [...new Set(names)].filter((m) => known.has(m)) as TwoFactorMethod[];
  }

  /**
   * The user's enabled primary methods as handlers, from the enrollment's
   * status (methods whose handler is not installed are left out); of those,
   * the ones the policy allows (preferred first) and the preferred one if
   * allowed. A user whose methods are all disallowed still has 2FA: the
   * challenge offers the fallbacks (backup codes, an admin-issued code).
   */
  methodsFrom(status: { methods: string[]; preferredMethod: string | null }, policy: TwoFactorPolicy): UserMethods {
    const enabled = status.methods
      .map((m) => this.registry.get(m))
      .filter((h): h is TwoFactorMethodHandler => h !== undefined && h.primary);
    const allowed = enabled.filter((h) => policy.allowedMethods.includes(h.method));
    const preferred = allowed.find((h) => h.method === status.preferredMethod) ?? null;
    return { enabled, primaries: preferred ? [preferred, ...allowed.filter((h) => h !== preferred)] : allowed, preferred };
  }

  /**
   * The handler that sends codes for this challenge: the one that sent
   * before, else the preferred one, else the first enabled that delivers;
   * null when none does.
   */
  private deliverer(methods: UserMethods, deliveredMethod: string | null): TwoFactorMethodHandler | null {
    const delivering = methods.primaries.filter((h) => typeof h.deliver === 'function');
    return delivering.find((h) => h.method === deliveredMethod) ?? delivering[0] ?? null;
  }

  /** Sends a code; a mail server that is not configured leaves the challenge without one (backup codes still work). */
  private async tryDeliver(
    handler: TwoFactorMethodHandler,
    input: { user: UserEntity; challengeId: string; now: Date; policy: TwoFactorPolicy },
  ) {
    try {
      return await handler.deliver!({ userId: input.user.id, email: input.user.email, challengeId: input.challengeId, now: input.now, policy: input.policy });
    } catch (error) {
      if (error instanceof DomainException && error.code === ErrorCode.SMTP_NOT_CONFIGURED) return null;
      throw error;
    }
  }

  private blankRow(sessionId: string, userId: string, createdAt: Date, expiresAt: Date): TwoFactorChallengeEntity {
    return this.challenges.create({ sessionId, userId, createdAt, expiresAt, lastSentAt: null, sendCount: 0, sentTo: null, deliveredMethod: null });
  }

  /** The session's challenge row; recreated if it went missing (it is only bookkeeping). */
  private async challengeRow(sessionId: string, userId: string, createdAt: Date, expiresAt: Date): Promise<TwoFactorChallengeEntity> {
    const existing = await this.challenges.findOneBy({ sessionId, userId });
    if (existing) return existing;
    const fresh = this.blankRow(sessionId, userId, createdAt, expiresAt);
    await insertIfAbsent(this.challenges, fresh); // or a parallel request made it
    const row = await this.challenges.findOneBy({ sessionId, userId });
    // Gone again: the sign-in was cancelled or finished meanwhile.
    if (!row) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    return row;
  }
}
