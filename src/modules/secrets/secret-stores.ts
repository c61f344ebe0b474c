import { EntityTarget, ObjectLiteral } from 'typeorm';
import { hashingKeySealContext } from '../../common/security/key-ring/key-ring.service';
import { HashingKeyEntity } from '../../common/security/key-ring/hashing-key.entity';
import { SessionEntity } from '../auth/entities/session.entity';
import { AdminBackupCodeEntity } from '../backup-codes/entities/admin-backup-code.entity';
import { BackupCodeEntity } from '../backup-codes/entities/backup-code.entity';
import { PendingEnrollmentEntity } from '../enrollment/entities/pending-enrollment.entity';
import { enrollmentSealContext } from '../enrollment/pending-enrollments.service';
import { MailOutboxEntity } from '../mail/entities/mail-outbox.entity';
import { SmtpSettingsEntity } from '../mail/entities/smtp-settings.entity';
import { outboxSealContext } from '../mail/mail.service';
import { SMTP_PASSWORD_CONTEXT } from '../mail/smtp-settings.service';
import { totpSealContext } from '../methods/authenticator/authenticator-secrets.service';
import { AuthenticatorSecretEntity } from '../methods/authenticator/authenticator-secret.entity';
import { EmailCodeEntity } from '../methods/email/email-code.entity';
import { RetiredDeviceTokenEntity } from '../trusted-devices/entities/retired-device-token.entity';
import { TrustedDeviceEntity } from '../trusted-devices/entities/trusted-device.entity';

/**
 * Where Twofold's own secrets live at rest, table by table, for `--reseal`
 * and for the key ring's housekeeping. An extension declares its own with
 * TwofoldModule.forFeature({ sealedColumns, keyedDigests }).
 */

/** A column holding SecretSealer output. */
export interface SealedColumn {
  /** For people, plural: 'authenticator secrets'. */
  label: string;
  entity: EntityTarget<ObjectLiteral>;
  /** The property of the sealed value (NULL allowed: nothing sealed). */
  column: string;
  /** The context the value was sealed with, from its row. */
  context(row: ObjectLiteral): string;
}

export const SEALED_COLUMNS: SealedColumn[] = [
  { label: 'authenticator secrets', entity: AuthenticatorSecretEntity, column: 'sealedSecret', context: (row) => totpSealContext(row.userId) },
  { label: 'pending enrollments', entity: PendingEnrollmentEntity, column: 'sealedState', context: (row) => enrollmentSealContext(row.id) },
  { label: 'SMTP password', entity: SmtpSettingsEntity, column: 'passwordSealed', context: () => SMTP_PASSWORD_CONTEXT },
  { label: 'queued mail', entity: MailOutboxEntity, column: 'body', context: (row) => outboxSealContext(row.id) },
  { label: 'hashing keys', entity: HashingKeyEntity, column: 'sealedKey', context: (row) => hashingKeySealContext(row.id) },
];

/** A column holding a KeyedHasher token digest, or the salt of a salted digest: either names its key the same way. */
export interface KeyedDigestColumn {
  label: string;
  entity: EntityTarget<ObjectLiteral>;
  column: string;
  /** SQL over the alias `row`: the rows that can still be verified (parameter :now). */
  alive: string;
  /** The date column that says until when a live row lives; null: until used or regenerated. */
  until: string | null;
}

export const KEYED_DIGEST_COLUMNS: KeyedDigestColumn[] = [
  { label: 'sessions', entity: SessionEntity, column: 'tokenHash', alive: 'row.expiresAt > :now AND row.revokedAt IS NULL', until: 'expiresAt' },
  { label: 'trusted devices', entity: TrustedDeviceEntity, column: 'tokenHash', alive: 'row.expiresAt > :now', until: 'expiresAt' },
  { label: 'replaced trusted-device tokens (copy detection)', entity: RetiredDeviceTokenEntity, column: 'tokenHash', alive: 'row.expiresAt > :now', until: 'expiresAt' },
  { label: 'email codes', entity: EmailCodeEntity, column: 'salt', alive: 'row.expiresAt > :now AND row.consumedAt IS NULL', until: 'expiresAt' },
  { label: 'admin-issued backup codes', entity: AdminBackupCodeEntity, column: 'salt', alive: 'row.expiresAt > :now AND row.usedAt IS NULL', until: 'expiresAt' },
  { label: 'backup codes', entity: BackupCodeEntity, column: 'salt', alive: 'row.usedAt IS NULL', until: null },
];
