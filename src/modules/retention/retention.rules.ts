import { addDays } from '@app/clock';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { LoginThrottleEntity } from '../auth/entities/login-throttle.entity';
import { SessionEntity } from '../auth/entities/session.entity';
import { AdminBackupCodeEntity } from '../backup-codes/entities/admin-backup-code.entity';
import { TwoFactorChallengeEntity } from '../challenge/entities/two-factor-challenge.entity';
import { PendingEnrollmentEntity } from '../enrollment/entities/pending-enrollment.entity';
import { EmailCodeEntity } from '../methods/email/email-code.entity';
import { WebAuthnChallengeEntity } from '../methods/passkey/entities/webauthn-challenge.entity';
import { SecurityEventEntity } from '../security-events/entities/security-event.entity';
import { RetiredDeviceTokenEntity } from '../trusted-devices/entities/retired-device-token.entity';
import { TrustedDeviceEntity } from '../trusted-devices/entities/trusted-device.entity';

/** Sign-in throttle rows unused this long are deleted. */
export const THROTTLE_IDLE_DAYS = 7;

/** Dead rows are kept this long past their expiry, for support questions ("why was I asked again?"). */
export const EXPIRED_GRACE_DAYS = 1;

/**
 * Rows that no request can use any more, table by table. `where` is SQL
 * over the alias `row`; a rule whose `where` is null (retention turned off)
 * is skipped. Every condition is on an indexed column, or on a table that
 * stays small.
 */
export interface RetentionRule {
  entity: EntityTarget<ObjectLiteral>;
  where(now: Date, config: AppConfig): { sql: string; parameters: Record<string, unknown> } | null;
}

const expiredBefore = (now: Date) => ({ sql: 'row.expiresAt < :cutoff', parameters: { cutoff: addDays(now, -EXPIRED_GRACE_DAYS) } });

export const RETENTION_RULES: RetentionRule[] = [
  // A revoked session's expiresAt is never later than its absolute limit, so it goes too.
  { entity: SessionEntity, where: expiredBefore },
  { entity: TwoFactorChallengeEntity, where: expiredBefore },
  { entity: EmailCodeEntity, where: expiredBefore },
  // Answered ones are deleted as they are answered; these were never answered.
  { entity: WebAuthnChallengeEntity, where: expiredBefore },
  { entity: PendingEnrollmentEntity, where: expiredBefore },
  { entity: AdminBackupCodeEntity, where: expiredBefore },
  { entity: TrustedDeviceEntity, where: expiredBefore },
  // A replaced device token carries its device's expiry: it goes with the device.
  { entity: RetiredDeviceTokenEntity, where: expiredBefore },
  {
    // Keys unused for a week: a user who signs in weekly keeps a row, so their sign-in is one UPDATE, not an INSERT.
    entity: LoginThrottleEntity,
    where: (now) => ({
      sql: 'row.lastFailureAt < :idleSince AND (row.blockedUntil IS NULL OR row.blockedUntil <= :now)',
      parameters: { idleSince: addDays(now, -THROTTLE_IDLE_DAYS), now },
    }),
  },
  {
    entity: SecurityEventEntity,
    where: (now, config) =>
      config.auditRetentionDays === 0 ? null : { sql: 'row.createdAt < :cutoff', parameters: { cutoff: addDays(now, -config.auditRetentionDays) } },
  },
];
