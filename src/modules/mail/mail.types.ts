/** Every message Twofold sends. Each has an HTML and a text template. */
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
  | 'notice-two-factor-reset';

export interface OutgoingMail {
  to: string;
  template: MailTemplateName;
  /** Values for the template, e.g. { code, expiresInMinutes }. Sealed while queued. */
  context: Record<string, string | number | boolean | null>;
  /** The user the message is for (events about failed delivery name them). */
  userId?: string | null;
  /** A message carrying a code is useless after the code expires: dropped, not sent late. */
  expiresAt?: Date | null;
}
