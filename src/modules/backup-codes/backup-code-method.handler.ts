import { normalizeBackupCode } from '@app/crypto';
import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { EventBus } from '../events/event-bus';
import { TwoFactorMethodHandler, VerificationOutcome, VerificationRequest } from '../methods/two-factor-method.handler';
import { SecurityEventType } from '../security-events/security-event-type';
import { BackupCodesService } from './backup-codes.service';

/**
 * BACKUP_CODE: one of the user's own ten, or the code an admin issued. A
 * fallback, never a method on its own (primary: false).
 */
@Injectable()
@TwoFactorMethodHandler()
export class BackupCodeMethodHandler implements TwoFactorMethodHandler {
  readonly method = TwoFactorMethod.BACKUP_CODE;
  readonly primary = false;

  constructor(
    private readonly codes: BackupCodesService,
    private readonly events: EventBus,
  ) {}

  isEnabled(userId: string): Promise<boolean> {
    return this.codes.hasUsable(userId);
  }

  normalizeCode(input: string): string | null {
    if (typeof input !== 'string' || input.length > 64) return null;
    return normalizeBackupCode(input);
  }

  /**
   * One of the user's own codes, else the admin-issued one. A spent code is
   * recorded as BACKUP_CODE_USED (an admin-issued one names its admin as the
   * actor); an admin-issued code never makes the device trusted.
   */
  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    const { userId, client } = request;
    if (await this.codes.consumeOwn(userId, request.code, request.now)) {
      await this.events.publish({ type: SecurityEventType.BACKUP_CODE_USED, userId, client, details: { method: this.method, adminIssued: false } });
      return { status: 'accepted' };
    }
    const admin = await this.codes.consumeAdmin(userId, request.code, request.now);
    if (admin.status !== 'accepted') return admin;
    await this.events.publish({
      type: SecurityEventType.BACKUP_CODE_USED,
      userId,
      actorId: admin.issuedBy,
      client,
      details: { method: this.method, adminIssued: true, issuedBy: admin.issuedBy },
    });
    return { status: 'accepted', trustsDevice: false };
  }

  async disable(userId: string): Promise<void> {
    await this.codes.deleteAll(userId);
  }
}
