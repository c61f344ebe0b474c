import { SecurityEventType } from './security-event-type';

/** What each type means, for SecurityEvent.type's description (a type added without one does not compile). */
export const SECURITY_EVENT_MEANINGS: Readonly<Record<keyof typeof SecurityEventType, string>> = {
  SIGN_IN_SUCCEEDED: 'a session reached AUTHENTICATED',
  SIGN_IN_FAILED: 'a wrong email or password',
  SIGN_IN_THROTTLED: 'a password try refused for going too fast',
  SIGNED_OUT: 'signOut',
  PASSWORD_CHANGED: 'changePassword',
  USER_CREATED: 'createUser',
  TWO_FACTOR_FAILED: 'a wrong second-factor code',
  ACCOUNT_LOCKED: 'all attempts used: sign-in refused for lockoutMinutes',
  METHOD_ENABLED: 'a second factor turned on',
  METHOD_DISABLED: 'a second factor turned off',
  BACKUP_CODE_USED: 'a backup code signed in',
  BACKUP_CODES_REGENERATED: 'ten new backup codes',
  BACKUP_CODE_ISSUED: 'an admin issued a one-time code',
  TWO_FACTOR_RESET: "an admin or operator turned off the user's 2FA",
  POLICY_UPDATED: 'the 2FA policy changed',
  SMTP_UPDATED: 'the mail server changed',
  MAIL_DELIVERY_FAILED: 'a message could not be sent (yet)',
  MAIL_DROPPED: 'a message given up',
  TRUSTED_DEVICE_ADDED: 'a browser trusted',
  TRUSTED_DEVICE_REVOKED: 'trusted devices forgotten',
  TRUSTED_DEVICE_REUSED: 'a copied device token came back: the device was revoked',
  USER_DISABLED: 'disableUser',
  USER_ENABLED: 'enableUser or --enable',
  USER_UNLOCKED: 'unlockUser or --unlock',
  USER_UPDATED: 'updateUser',
  SESSION_REVOKED: 'revokeSession or revokeAllSessions',
  PASSKEY_ADDED: 'a passkey registered',
  PASSKEY_REMOVED: 'a passkey removed',
  SECRETS_RESEALED: '--reseal',
};

export const SECURITY_EVENT_TYPE_DESCRIPTION = `The kind of event, one of: ${Object.entries(SECURITY_EVENT_MEANINGS)
  .map(([type, meaning]) => `${type} (${meaning})`)
  .join(', ')}; an integrator's module may add its own.`;
