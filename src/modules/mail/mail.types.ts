/** Every message Twofold sends. Each has an HTML and a text template (templates/mail-templates.ts). */
export type MailTemplateName =
  | 'sign-in-code'
  | 'enrollment-code'
  | 'test-message'
  | 'notice-method-enabled'
  | 'notice-method-disabled'
  | 'notice-backup-codes-regenerated'
  | 'notice-backup-code-issued'
  | 'notice-account-locked'
  | 'notice-trusted-device-added'
  | 'notice-trusted-device-reused'
  | 'notice-two-factor-reset'
  | 'notice-passkey-added'
  | 'notice-passkey-removed'
  | 'enrollment-reminder'
  | 'enrollment-last-reminder';

/** Values for a template. Sealed while queued; never logged outside the development mailbox. */
export type MailContext = Record<string, string | number | boolean | null>;

/**
 * What each template reads (all optional unless marked). `appName` is always added.
 * - sign-in-code, enrollment-code: code (REQUIRED), expiresInMinutes
 * - notice-method-enabled, notice-method-disabled: method (e.g. 'EMAIL'), occurredAt
 * - notice-backup-code-issued: expiresInMinutes, occurredAt (never the code)
 * - notice-account-locked: lockoutMinutes, occurredAt
 * - notice-trusted-device-added, notice-trusted-device-reused: device (e.g. 'Chrome on Windows'), occurredAt (never a token)
 * - notice-backup-codes-regenerated, notice-two-factor-reset: occurredAt
 * - notice-passkey-added, notice-passkey-removed: passkeyName (e.g. 'YubiKey 5'), occurredAt
 * - enrollment-reminder, enrollment-last-reminder: dueAt (REQUIRED, e.g. '2026-12-06 03:00 UTC'), daysLeft
 */
export interface OutgoingMail {
  to: string;
  template: MailTemplateName;
  /** Values for the template, e.g. { code, expiresInMinutes }. Sealed while queued. */
  context: MailContext;
  /** The user the message is for (events about failed delivery name them). */
  userId?: string | null;
  /** A message carrying a code is useless after the code expires: dropped, not sent late. */
  expiresAt?: Date | null;
  /**
   * Names what the message carries (e.g. the code of one sign-in). A newer
   * message with the same key drops an older one still waiting: after an SMTP
   * outage the user gets the code that works, not the one it replaced.
   */
  supersedeKey?: string | null;
}
