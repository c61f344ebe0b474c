import { SessionEntity } from '../modules/auth/entities/session.entity';
import { LoginThrottleEntity } from '../modules/auth/entities/login-throttle.entity';
import { AdminBackupCodeEntity } from '../modules/backup-codes/entities/admin-backup-code.entity';
import { BackupCodeEntity } from '../modules/backup-codes/entities/backup-code.entity';
import { TwoFactorAttemptsEntity } from '../modules/attempts/entities/two-factor-attempts.entity';
import { TwoFactorChallengeEntity } from '../modules/challenge/entities/two-factor-challenge.entity';
import { TwoFactorCodeSendsEntity } from '../modules/attempts/entities/two-factor-code-sends.entity';
import { PendingEnrollmentEntity } from '../modules/enrollment/entities/pending-enrollment.entity';
import { MailOutboxEntity } from '../modules/mail/entities/mail-outbox.entity';
import { SmtpSettingsEntity } from '../modules/mail/entities/smtp-settings.entity';
import { AuthenticatorSecretEntity } from '../modules/methods/authenticator/authenticator-secret.entity';
import { EmailCodeEntity } from '../modules/methods/email/email-code.entity';
import { UserMethodEntity } from '../modules/methods/user-methods/user-method.entity';
import { TwoFactorPolicyEntity } from '../modules/policy/entities/two-factor-policy.entity';
import { SecurityEventEntity } from '../modules/security-events/entities/security-event.entity';
import { TrustedDeviceEntity } from '../modules/trusted-devices/entities/trusted-device.entity';
import { UserEntity } from '../modules/users/entities/user.entity';
import { RetiredDeviceTokenEntity } from '../modules/trusted-devices/entities/retired-device-token.entity';
import { HashingKeyEntity } from '../common/security/key-ring/hashing-key.entity';
import { PasskeyEntity } from '../modules/methods/passkey/entities/passkey.entity';
import { WebAuthnChallengeEntity } from '../modules/methods/passkey/entities/webauthn-challenge.entity';

/**
 * Every entity, listed once: the app, the migration CLI (ormconfig.ts) and
 * the schema-drift test all read this list.
 */
export const ALL_ENTITIES = [UserEntity, SessionEntity, LoginThrottleEntity, SecurityEventEntity, TwoFactorPolicyEntity, TrustedDeviceEntity, SmtpSettingsEntity, MailOutboxEntity, TwoFactorAttemptsEntity, TwoFactorChallengeEntity, TwoFactorCodeSendsEntity, UserMethodEntity, EmailCodeEntity, AuthenticatorSecretEntity, BackupCodeEntity, AdminBackupCodeEntity, PendingEnrollmentEntity, RetiredDeviceTokenEntity, HashingKeyEntity, PasskeyEntity, WebAuthnChallengeEntity];
