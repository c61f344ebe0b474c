import { normalizeBackupCode } from '@app/crypto';
import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { TwoFactorMethodHandler, VerificationOutcome, VerificationRequest } from '../methods/two-factor-method.handler';
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

  constructor(private readonly codes: BackupCodesService) {}

  isEnabled(userId: string): Promise<boolean> {
    return this.codes.hasUsable(userId);
  }

  normalizeCode(input: string): string | null {
    if (typeof input !== 'string' || input.length > 64) return null;
    return normalizeBackupCode(input);
  }

  /** Accepted details say which kind was used: { adminIssued: false } or { adminIssued: true, issuedBy }. */
  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    if (await this.codes.consumeOwn(request.userId, request.code, request.now)) {
      return { status: 'accepted', details: { adminIssued: false } };
    }
    const admin = await this.codes.consumeAdmin(request.userId, request.code, request.now);
    if (admin.status === 'accepted') return { status: 'accepted', details: { adminIssued: true, issuedBy: admin.issuedBy } };
    return admin;
  }

  async disable(userId: string): Promise<void> {
    await this.codes.deleteAll(userId);
  }
}
