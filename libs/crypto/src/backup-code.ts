import { randomFromAlphabet } from './random';

/**
 * Crockford's base32 alphabet: 32 symbols, so ten characters carry 50 bits.
 * It has no I, L, O or U; on input I and L read as 1 and O as 0, so a code
 * copied from paper by hand still works.
 */
export const BACKUP_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const BACKUP_CODE_LENGTH = 10;

/** A new backup code in its display form, `xxxxx-xxxxx`, lower case. */
export function generateBackupCode(): string {
  return formatBackupCode(randomFromAlphabet(BACKUP_CODE_ALPHABET, BACKUP_CODE_LENGTH));
}

export function formatBackupCode(normalized: string): string {
  const lower = normalized.toLowerCase();
  return `${lower.slice(0, 5)}-${lower.slice(5)}`;
}

/**
 * The canonical form that is hashed and compared: upper case, no dashes or
 * spaces, look-alikes folded. Null when the input cannot be a backup code.
 */
export function normalizeBackupCode(input: string): string | null {
  const compact = input
    .replace(/[\s-]/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (compact.length !== BACKUP_CODE_LENGTH) return null;
  for (const ch of compact) {
    if (!BACKUP_CODE_ALPHABET.includes(ch)) return null;
  }
  return compact;
}
