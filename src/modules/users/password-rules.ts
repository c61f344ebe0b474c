import { dictionary } from '@zxcvbn-ts/language-common';
import { normalizeEmail } from './email';

export const PASSWORD_MIN_LENGTH = 8;
/** Long enough for any passphrase; short enough that hashing cannot be abused. */
export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: ReadonlySet<string> | null = null;

/**
 * The 49,233 most common passwords of zxcvbn-ts's list (`passwords-common`,
 * from leaked password corpora), lower-cased: the first ones any guesser
 * tries. Built once, on first use; a lookup is a Set membership test.
 */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((entry) => String(entry).toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

/**
 * Why a new password may not be used, or null when it may (NIST SP 800-63B
 * §3.1.1.2: a length range, no commonly used or compromised value, nothing
 * taken from the account itself; no composition rules, no strength score).
 * `field` names the input in the message; `email` is the account's address.
 */
export function passwordProblem(password: string, field: string, email?: string | null): string | null {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return `${field} must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
  }
  if (isCommonPassword(password)) {
    return `${field} is one of the most common passwords, which are guessed first: choose another`;
  }
  if (email) {
    const address = normalizeEmail(email);
    const candidate = normalizeEmail(password);
    if (candidate === address || candidate === address.slice(0, address.lastIndexOf('@'))) {
      return `${field} must not be the email address or its user name`;
    }
  }
  return null;
}
