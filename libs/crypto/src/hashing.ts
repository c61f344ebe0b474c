import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Derives a 32-byte subkey for one purpose, so no two uses share a key. */
export function deriveKey(masterSecret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), `twofold/${purpose}`, 32));
}

/** Equality that takes the same time wherever the inputs differ. */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length) {
    // Still spend a comparison so that a length mismatch is not faster.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Keyed hashing (HMAC-SHA-256) of tokens and codes.
 *
 * - `tokenDigest` is deterministic, so a random token can be looked up by its
 *   digest (the token itself carries 256 bits: no salt needed).
 * - `saltedDigest`/`verifySalted` are for short codes (six digits, backup
 *   codes): a per-row salt and the secret key mean a stolen table is useless,
 *   and a check costs one HMAC, microseconds, not an argon2 run.
 */
export class KeyedHasher {
  private readonly tokenKey: Buffer;
  private readonly codeKey: Buffer;

  constructor(masterSecret: Buffer) {
    this.tokenKey = deriveKey(masterSecret, 'hmac/token');
    this.codeKey = deriveKey(masterSecret, 'hmac/code');
  }

  tokenDigest(token: string): string {
    return createHmac('sha256', this.tokenKey).update(token, 'utf8').digest('hex');
  }

  newSalt(): string {
    return randomBytes(16).toString('hex');
  }

  saltedDigest(code: string, salt: string): string {
    return createHmac('sha256', this.codeKey).update(salt, 'utf8').update('\0').update(code, 'utf8').digest('hex');
  }

  verifySalted(code: string, salt: string, expectedDigest: string): boolean {
    return constantTimeEqual(Buffer.from(this.saltedDigest(code, salt), 'hex'), Buffer.from(expectedDigest, 'hex'));
  }
}
