import { randomBytes, timingSafeEqual } from 'node:crypto';
import speakeasy from 'speakeasy';
import { base32DecodeOrNull, base32Encode } from './base32';

/** RFC 6238 time step, seconds. Fixed: the otpauth URI announces 30. */
export const TOTP_PERIOD_SECONDS = 30;
/** 160-bit secret: the length RFC 4226 §4 recommends (HMAC-SHA1 block output). */
export const TOTP_SECRET_BYTES = 20;
export const MAX_TOTP_WINDOW = 10;
/**
 * speakeasy packs the counter with 32-bit `>>`, so counters from 2^31 up are
 * hashed wrongly. 2^31 steps of 30 s is far past the year 3000; refuse beyond.
 */
const MAX_COUNTER = 2 ** 31 - 1;

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type TotpDigits = 6 | 8;

const ALGORITHMS: readonly string[] = ['sha1', 'sha256', 'sha512'];
const SIX_DIGITS = /^[0-9]{6}$/; // ASCII only: no spaces, letters or full-width digits

/** A fresh random secret: 20 bytes as 32 unpadded base32 characters. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** The RFC 6238 time step T = floor(unix seconds / 30) for `now`. */
export function totpStep(now: Date): number {
  const ms = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new TypeError('now must be a valid Date');
  return Math.floor(ms / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * Decoded secret re-encoded canonically, or null when missing, empty or not
 * base32: speakeasy would happily derive codes from an empty key.
 */
function canonicalSecret(secretBase32: unknown): string | null {
  if (typeof secretBase32 !== 'string') return null;
  const bytes = base32DecodeOrNull(secretBase32);
  return bytes && bytes.length > 0 ? base32Encode(bytes) : null;
}

export interface HotpOptions {
  secretBase32: string;
  counter: number;
  digits?: TotpDigits;
  algorithm?: TotpAlgorithm;
}

/** RFC 4226 HOTP for one counter value. Throws on a bad secret or option. */
export function generateHotp({ secretBase32, counter, digits = 6, algorithm = 'sha1' }: HotpOptions): string {
  const secret = canonicalSecret(secretBase32);
  if (!secret) throw new TypeError('secretBase32 must be non-empty unpadded base32');
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
    throw new RangeError(`counter must be an integer 0..${MAX_COUNTER}`);
  }
  if (digits !== 6 && digits !== 8) throw new RangeError('digits must be 6 or 8');
  if (!ALGORITHMS.includes(algorithm)) throw new RangeError('algorithm must be sha1, sha256 or sha512');
  // TOTP is HOTP with the time step as counter; passing the counter keeps it exact.
  return speakeasy.hotp({ secret, encoding: 'base32', counter, digits, algorithm });
}

export interface GenerateTotpOptions {
  secretBase32: string;
  now: Date;
  digits?: TotpDigits;
  algorithm?: TotpAlgorithm;
}

/** The code an authenticator shows at `now`. For tests and tools. */
export function generateTotp({ secretBase32, now, digits = 6, algorithm = 'sha1' }: GenerateTotpOptions): string {
  return generateHotp({ secretBase32, counter: totpStep(now), digits, algorithm });
}

export interface VerifyTotpOptions {
  secretBase32: string;
  code: string;
  now: Date;
  /** Steps of clock drift tolerated each way; integer 0..10, default 1. */
  window?: number;
  /** Last step already accepted for this secret: only later steps pass (RFC 6238 §5.2). */
  afterStep?: number | null;
}

/**
 * Checks a 6-digit SHA-1 code. Returns the matched time step, which the caller
 * must store and pass back as `afterStep` so the same code cannot be replayed,
 * or null when the code, secret or step is refused. Throws only on a
 * programming error (bad `now`, `window` or `afterStep`).
 */
export function verifyTotp({ secretBase32, code, now, window = 1, afterStep }: VerifyTotpOptions): { step: number } | null {
  const current = totpStep(now);
  if (!Number.isInteger(window) || window < 0 || window > MAX_TOTP_WINDOW) {
    throw new RangeError(`window must be an integer 0..${MAX_TOTP_WINDOW}`);
  }
  if (afterStep != null && !Number.isInteger(afterStep)) throw new TypeError('afterStep must be an integer');

  const secret = canonicalSecret(secretBase32);
  if (!secret || typeof code !== 'string' || !SIX_DIGITS.test(code)) return null;

  const given = Buffer.from(code);
  let matched: number | null = null;
  // Check every candidate without stopping early, so timing does not tell
  // which step matched. On a (rare) collision keep the newest step: storing
  // the newer one refuses more replays.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0 || step > MAX_COUNTER) continue;
    if (afterStep != null && step <= afterStep) continue;
    const expected = Buffer.from(speakeasy.hotp({ secret, encoding: 'base32', counter: step, digits: 6, algorithm: 'sha1' }));
    if (timingSafeEqual(expected, given)) matched = step;
  }
  return matched === null ? null : { step: matched };
}
