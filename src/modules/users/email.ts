/** The longest address stored (the users.email column; RFC 5321's path limit). */
export const EMAIL_MAX_LENGTH = 254;

/** The one form of an email address that is stored and compared. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** j***@example.com: enough for the user to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
