/** What replaces a secret in the log. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are never logged, wherever they appear in a logged
 * object: passwords, codes, tokens, secrets, cookies, connection URLs with
 * credentials, and GraphQL variables as a whole.
 */
const SENSITIVE_KEY =
  /pass(word|wd|phrase)?$|secret|token|^code$|codes?$|otp|authorization|cookie|^smtp_?url$|^database_?url$|^redis_?url$|^url$|^variables$|qrcode|otpauth|^key$|apikey|credential|digest|salt|sealed|hash$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/**
 * Removes secrets that free text may carry: the password in a URL
 * (smtp://user:pass@host) and bearer tokens. Codes and passwords must not
 * be put into messages at all; this is the net under that rule.
 */
export function scrubText(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, `$1${REDACTED}@`)
    .replace(/\b(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`);
}

/** A copy of `value` safe to log: sensitive keys redacted, strings scrubbed, depth and size bounded. */
export function sanitize(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value.length > 4_000 ? `${value.slice(0, 4_000)}…` : value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return '[…]';
  if (value instanceof Error) {
    return { type: value.name, message: scrubText(value.message), stack: value.stack ? scrubText(value.stack) : undefined };
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => sanitize(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
    out[key] = isSensitiveKey(key) ? REDACTED : sanitize(item, depth + 1);
  }
  return out;
}
