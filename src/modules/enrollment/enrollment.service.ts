import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { buildOtpauthUri, generateTotpSecret, renderQrDataUrl, verifyTotp } from '@app/totp';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, DataSource, EntityManager, Repository } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { SessionStage } from '../../common/auth/session-stage';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { AuthService } from '../auth/auth.service';
import { AuthPayloadModel } from '../auth/models/auth-payload.model';
import { SessionsService } from '../auth/sessions.service';
import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { MailService } from '../mail/mail.service';
import { AuthenticatorSecretsService } from '../methods/authenticator/authenticator-secrets.service';
import { TOTP_WINDOW } from '../methods/authenticator/authenticator-method.handler';
import { EmailCodesService } from '../methods/email/email-codes.service';
import { normalizeSixDigitCode } from '../methods/six-digit-code';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { TwoFactorPolicy } from '../policy/policy.types';
import { PolicyService } from '../policy/policy.service';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventsService } from '../security-events/security-events.service';
import { maskEmail } from '../users/email';
import { UsersService } from '../users/users.service';
import { PendingEnrollmentEntity } from './entities/pending-enrollment.entity';
import { TwoFactorStatus, TwoFactorStatusService } from './two-factor-status.service';

/** Wrong confirmation codes allowed per pending enrollment; then it is void and must start again. */
export const ENROLLMENT_MAX_ATTEMPTS = 5;
/** Time to scan the QR code and type a first code. */
export const AUTHENTICATOR_ENROLLMENT_MINUTES = 15;

export interface EmailEnrollmentView {
  sentTo: string;
  expiresAt: Date;
  resendAvailableAt: Date;
}

export interface AuthenticatorEnrollmentView {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
  expiresAt: Date;
}

export interface EnrollmentOutcome {
  twoFactor: TwoFactorStatus;
  backupCodes: string[] | null;
  session: AuthPayloadModel | null;
}

export interface EnableMethodRequest {
  userId: string;
  /** A registered primary method (TwoFactorMethodHandler.method). */
  method: string;
  client: ClientInfo | null;
  /**
   * Stores the method's own state (secret, phone number...) in the same
   * transaction that turns the method on; throwing cancels both.
   */
  within?: (manager: EntityManager) => Promise<void>;
}

export interface EnableMethodResult {
  /** Ten new backup codes when this was the user's first method, else null. */
  backupCodes: string[] | null;
}

/**
 * Turning methods on and off, the preferred method and backup codes. The
 * method-specific parts (an emailed code, a TOTP secret) end in
 * enableMethod(), which integrators' methods call too.
 */
@Injectable()
export class EnrollmentService {
  constructor(
    @InjectRepository(PendingEnrollmentEntity) private readonly pending: Repository<PendingEnrollmentEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly userMethods: UserMethodsService,
    private readonly status: TwoFactorStatusService,
    private readonly emailCodes: EmailCodesService,
    private readonly totpSecrets: AuthenticatorSecretsService,
    private readonly backupCodes: BackupCodesService,
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly policy: PolicyService,
    private readonly mail: MailService,
    private readonly events: SecurityEventsService,
    private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  // ---- Email ----------------------------------------------------------------

  /**
   * Emails a six-digit code to the user's address. Asked again while the
   * resend cooldown runs, it answers with the enrollment already under way
   * instead of sending another message.
   */
  async startEmail(principal: Principal): Promise<EmailEnrollmentView> {
    const method = TwoFactorMethod.EMAIL;
    const policy = await this.policy.get();
    await this.assertCanStart(principal.userId, method, policy);
    await this.mail.assertCanSend();
    const now = this.clock.now();
    const existing = await this.pending.findOneBy({ userId: principal.userId, method });
    if (existing && existing.lastSentAt && existing.expiresAt > now && existing.attempts < ENROLLMENT_MAX_ATTEMPTS) {
      const resendAvailableAt = addSeconds(existing.lastSentAt, policy.resendCooldownSeconds);
      if (resendAvailableAt > now) return { sentTo: maskEmail(principal.email), expiresAt: existing.expiresAt, resendAvailableAt };
    }
    const id = randomUUID();
    await this.pending.upsert(
      {
        id,
        userId: principal.userId,
        method,
        sealedSecret: null,
        attempts: 0,
        lastSentAt: now,
        createdAt: now,
        expiresAt: addMinutes(now, policy.emailCodeTtlMinutes),
      },
      ['userId', 'method'],
    );
    if (existing) await this.emailCodes.discard(existing.id);
    return this.sendEnrollmentCode(principal, id, policy, now);
  }

  /** A new code replacing the last, once policy.resendCooldownSeconds have passed (RESEND_TOO_SOON before). */
  async resendEmail(principal: Principal): Promise<EmailEnrollmentView> {
    const policy = await this.policy.get();
    await this.mail.assertCanSend();
    const now = this.clock.now();
    const row = await this.pending.findOneBy({ userId: principal.userId, method: TwoFactorMethod.EMAIL });
    if (!row) throw this.noPendingEnrollment();
    // Claim the send atomically: of two racing resends, one sends.
    const claimed = await this.pending
      .createQueryBuilder()
      .update()
      .set({ lastSentAt: now, expiresAt: addMinutes(now, policy.emailCodeTtlMinutes) })
      .where('id = :id', { id: row.id })
      .andWhere('attempts < :max', { max: ENROLLMENT_MAX_ATTEMPTS })
      .andWhere(new Brackets((q) => q.where('lastSentAt IS NULL').orWhere('lastSentAt <= :cutoff', { cutoff: addSeconds(now, -policy.resendCooldownSeconds) })))
      .execute();
    if ((claimed.affected ?? 0) === 0) {
      const current = await this.pending.findOneBy({ id: row.id });
      if (!current || current.attempts >= ENROLLMENT_MAX_ATTEMPTS || !current.lastSentAt) throw this.noPendingEnrollment();
      const retryAfterSeconds = Math.max(1, secondsUntil(addSeconds(current.lastSentAt, policy.resendCooldownSeconds), now));
      throw new DomainException(ErrorCode.RESEND_TOO_SOON, `Please wait ${retryAfterSeconds} seconds before asking for another code.`, {
        retryAfterSeconds,
      });
    }
    return this.sendEnrollmentCode(principal, row.id, policy, now);
  }

  /** Turns EMAIL on with the emailed code. */
  async confirmEmail(principal: Principal, code: string, client: ClientInfo): Promise<EnrollmentOutcome> {
    const method = TwoFactorMethod.EMAIL;
    const normalized = this.sixDigits(code);
    const policy = await this.policy.get();
    this.assertAllowed(method, policy);
    const now = this.clock.now();
    const row = await this.claimAttempt(principal.userId, method, now);
    const outcome = await this.emailCodes.check({ userId: principal.userId, challengeId: row.id, purpose: 'enrollment', code: normalized, now });
    if (outcome === 'expired') throw new DomainException(ErrorCode.CODE_EXPIRED, 'The code has expired. Ask for a new one.');
    if (outcome === 'refused') return this.refuse(row);
    const { backupCodes } = await this.enableMethod({ userId: principal.userId, method, client, within: (m) => this.consumePending(m, row.id) });
    return this.outcome(principal, client, backupCodes);
  }

  // ---- Authenticator app ----------------------------------------------------

  /** A new secret, its otpauth:// URI and QR code; nothing is on until confirmAuthenticator. */
  async startAuthenticator(principal: Principal): Promise<AuthenticatorEnrollmentView> {
    const method = TwoFactorMethod.AUTHENTICATOR_APP;
    const policy = await this.policy.get();
    await this.assertCanStart(principal.userId, method, policy);
    const secret = generateTotpSecret();
    const otpauthUri = buildOtpauthUri({ issuer: this.config.appName, accountName: principal.email, secretBase32: secret });
    const qrCodeDataUrl = await renderQrDataUrl(otpauthUri);
    const now = this.clock.now();
    const expiresAt = addMinutes(now, AUTHENTICATOR_ENROLLMENT_MINUTES);
    await this.pending.upsert(
      {
        id: randomUUID(),
        userId: principal.userId,
        method,
        sealedSecret: this.totpSecrets.seal(principal.userId, secret),
        attempts: 0,
        lastSentAt: null,
        createdAt: now,
        expiresAt,
      },
      ['userId', 'method'],
    );
    return { secret, otpauthUri, qrCodeDataUrl, expiresAt };
  }

  /** Turns AUTHENTICATOR_APP on with a current code; its time step counts as used. */
  async confirmAuthenticator(principal: Principal, code: string, client: ClientInfo): Promise<EnrollmentOutcome> {
    const method = TwoFactorMethod.AUTHENTICATOR_APP;
    const normalized = this.sixDigits(code);
    const policy = await this.policy.get();
    this.assertAllowed(method, policy);
    const now = this.clock.now();
    const row = await this.claimAttempt(principal.userId, method, now);
    const secret = row.sealedSecret ? this.totpSecrets.unseal(principal.userId, row.sealedSecret) : null;
    if (!secret) {
      await this.pending.delete({ id: row.id });
      throw this.noPendingEnrollment();
    }
    const match = verifyTotp({ secretBase32: secret, code: normalized, now, window: TOTP_WINDOW });
    if (!match) return this.refuse(row);
    const sealedSecret = row.sealedSecret!;
    const { backupCodes } = await this.enableMethod({
      userId: principal.userId,
      method,
      client,
      within: async (m) => {
        await this.consumePending(m, row.id);
        await this.totpSecrets.store(m, principal.userId, sealedSecret, match.step, now);
      },
    });
    return this.outcome(principal, client, backupCodes);
  }

  // ---- Any method ------------------------------------------------------------

  /**
   * Turns a primary method on for the user, once its possession is proven.
   * The first one also creates the ten backup codes (returned once). Records
   * METHOD_ENABLED. Integrators' enrollment flows end here too.
   */
  async enableMethod(request: EnableMethodRequest): Promise<EnableMethodResult> {
    const { userId, method } = request;
    this.assertAllowed(method, await this.policy.get());
    const now = this.clock.now();
    const backupCodes = await this.dataSource.transaction(async (manager) => {
      await this.userMethods.lockUser(manager, userId);
      const enabled = (await this.userMethods.list(userId, manager)).filter((e) => this.registry.get(e.method)?.primary);
      if (enabled.some((e) => e.method === method)) throw this.alreadyOn(method);
      if (request.within) await request.within(manager);
      await this.userMethods.add(manager, userId, method, now);
      return enabled.length === 0 ? this.backupCodes.replaceAll(manager, userId, now) : null;
    });
    await this.events.record({ type: SecurityEventType.METHOD_ENABLED, userId, client: request.client, details: { method } });
    return { backupCodes };
  }

  /**
   * Turns a method off after checking the password. The last one off also
   * deletes the backup codes (trusted devices go on METHOD_DISABLED with
   * lastMethod: true) and is refused while the policy requires 2FA.
   */
  async disable(principal: Principal, method: string, password: string, client: ClientInfo): Promise<TwoFactorStatus> {
    const { userId } = principal;
    await this.auth.confirmPassword(userId, password, 'password', client);
    const handler = this.registry.get(method);
    if (!handler?.primary) throw this.notEnabled(method);
    const policy = await this.policy.get();
    const lastMethod = await this.dataSource.transaction(async (manager) => {
      await this.userMethods.lockUser(manager, userId);
      const enabled = (await this.userMethods.list(userId, manager)).filter((e) => this.registry.get(e.method)?.primary);
      if (!enabled.some((e) => e.method === method)) throw this.notEnabled(method);
      const last = enabled.length === 1;
      if (last && PolicyService.requiresTwoFactor(policy, principal.role)) {
        throw new DomainException(ErrorCode.REQUIRED_BY_POLICY, 'The security policy requires two-factor authentication: keep at least one method on.');
      }
      await this.userMethods.remove(userId, method, manager);
      if (last) await this.backupCodes.deleteAll(userId, manager);
      return last;
    });
    await handler.disable(userId);
    await this.events.record({ type: SecurityEventType.METHOD_DISABLED, userId, client, details: { method, lastMethod } });
    return this.status.getStatus(userId);
  }

  async setPreferred(principal: Principal, method: string): Promise<TwoFactorStatus> {
    if (!this.registry.get(method)?.primary || !(await this.userMethods.setPreferred(principal.userId, method))) {
      throw this.notEnabled(method);
    }
    return this.status.getStatus(principal.userId);
  }

  /** Ten new backup codes replacing all of the old (used or not); needs the password and 2FA on. */
  async regenerateBackupCodes(principal: Principal, password: string, client: ClientInfo): Promise<string[]> {
    const { userId } = principal;
    await this.auth.confirmPassword(userId, password, 'password', client);
    const now = this.clock.now();
    const codes = await this.dataSource.transaction(async (manager) => {
      await this.userMethods.lockUser(manager, userId);
      const enabled = (await this.userMethods.list(userId, manager)).filter((e) => this.registry.get(e.method)?.primary);
      if (enabled.length === 0) {
        throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'Turn on two-factor authentication first: backup codes come with it.');
      }
      return this.backupCodes.replaceAll(manager, userId, now);
    });
    await this.events.record({ type: SecurityEventType.BACKUP_CODES_REGENERATED, userId, client });
    return codes;
  }

  // ---- Helpers ---------------------------------------------------------------

  private async sendEnrollmentCode(principal: Principal, enrollmentId: string, policy: TwoFactorPolicy, now: Date): Promise<EmailEnrollmentView> {
    const expiresAt = await this.emailCodes.issue({
      userId: principal.userId,
      email: principal.email,
      challengeId: enrollmentId,
      purpose: 'enrollment',
      ttlMinutes: policy.emailCodeTtlMinutes,
      now,
    });
    return { sentTo: maskEmail(principal.email), expiresAt, resendAvailableAt: addSeconds(now, policy.resendCooldownSeconds) };
  }

  /**
   * Claims one confirmation attempt before the code is checked, so parallel
   * guesses get no more than ENROLLMENT_MAX_ATTEMPTS checks in all.
   */
  private async claimAttempt(userId: string, method: string, now: Date): Promise<PendingEnrollmentEntity> {
    const row = await this.pending.findOneBy({ userId, method });
    if (!row) throw this.noPendingEnrollment();
    if (row.expiresAt <= now) throw new DomainException(ErrorCode.CODE_EXPIRED, 'This setup has expired. Start it again.');
    const claimed = await this.pending
      .createQueryBuilder()
      .update()
      .set({ attempts: () => 'attempts + 1' })
      .where('id = :id', { id: row.id })
      .andWhere('attempts < :max', { max: ENROLLMENT_MAX_ATTEMPTS })
      .andWhere('expiresAt > :now', { now })
      .execute();
    if ((claimed.affected ?? 0) === 0) throw this.noPendingEnrollment();
    return row;
  }

  /** INVALID_CODE with the attempts left; the last wrong one voids the enrollment. */
  private async refuse(row: PendingEnrollmentEntity): Promise<never> {
    const current = await this.pending.findOneBy({ id: row.id });
    const remaining = Math.max(0, ENROLLMENT_MAX_ATTEMPTS - (current?.attempts ?? ENROLLMENT_MAX_ATTEMPTS));
    if (remaining === 0) {
      await this.pending.delete({ id: row.id });
      await this.emailCodes.discard(row.id);
      throw new DomainException(ErrorCode.INVALID_CODE, 'The code is incorrect. Too many wrong codes: start the setup again.', {
        attemptsRemaining: 0,
      });
    }
    throw new DomainException(ErrorCode.INVALID_CODE, undefined, { attemptsRemaining: remaining });
  }

  /** Ends the pending enrollment inside the enabling transaction; only one racing confirmation gets it. */
  private async consumePending(manager: EntityManager, enrollmentId: string): Promise<void> {
    const result = await manager.getRepository(PendingEnrollmentEntity).delete({ id: enrollmentId });
    if ((result.affected ?? 0) !== 1) throw new DomainException(ErrorCode.INVALID_CODE, 'This setup was already completed or replaced.');
  }

  /** The result of a confirmation; a PENDING_ENROLLMENT session is exchanged for an AUTHENTICATED one. */
  private async outcome(principal: Principal, client: ClientInfo, backupCodes: string[] | null): Promise<EnrollmentOutcome> {
    let session: AuthPayloadModel | null = null;
    if (principal.stage === SessionStage.PENDING_ENROLLMENT && (await this.sessions.revoke(principal.sessionId))) {
      session = await this.auth.openAuthenticated(await this.users.getById(principal.userId), client);
    }
    return { twoFactor: await this.status.getStatus(principal.userId), backupCodes, session };
  }

  private async assertCanStart(userId: string, method: string, policy: TwoFactorPolicy): Promise<void> {
    this.assertAllowed(method, policy);
    if (await this.userMethods.isEnabled(userId, method)) throw this.alreadyOn(method);
  }

  /** The method must be installed, primary, and allowed by the policy. */
  private assertAllowed(method: string, policy: TwoFactorPolicy): void {
    if (!this.registry.get(method)?.primary || !policy.allowedMethods.includes(method)) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} is not allowed by the security policy.`);
    }
  }

  private sixDigits(code: string): string {
    const normalized = normalizeSixDigitCode(code);
    if (!normalized) throw DomainException.badInput('code', 'The code must be six digits.');
    return normalized;
  }

  private noPendingEnrollment(): DomainException {
    return new DomainException(ErrorCode.CODE_EXPIRED, 'No setup is pending: it expired, was never started or had too many wrong codes. Start it again.');
  }

  private notEnabled(method: string): DomainException {
    return new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} is not enabled for this account.`);
  }

  private alreadyOn(method: string): DomainException {
    return new DomainException(ErrorCode.BAD_USER_INPUT, `${method} is already on. Turn it off first to set it up again.`);
  }
}
