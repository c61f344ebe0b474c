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
  /** The current key first, then those of APP_SECRET_PREVIOUS, so that a rotation keeps what was hashed before it. */
  private readonly tokenKeys: Buffer[];
  private readonly codeKeys: Buffer[];

  constructor(masterSecret: Buffer, previousSecrets: Buffer[] = []) {
    const secrets = [masterSecret, ...previousSecrets];
    this.tokenKeys = secrets.map((secret) => deriveKey(secret, 'hmac/token'));
    this.codeKeys = secrets.map((secret) => deriveKey(secret, 'hmac/code'));
  }

  /** Under the current key: what is stored from now on. */
  tokenDigest(token: string): string {
    return hmacHex(this.tokenKeys[0], token);
  }

  /** Under every key, current first: what a stored digest may be (look up by any of them). */
  tokenDigests(token: string): string[] {
    return this.tokenKeys.map((key) => hmacHex(key, token));
  }

  newSalt(): string {
    return randomBytes(16).toString('hex');
  }

  saltedDigest(code: string, salt: string): string {
    return saltedHex(this.codeKeys[0], code, salt);
  }

  /** True when `expectedDigest` is the code's digest under any key; every key is tried, so timing tells nothing. */
  verifySalted(code: string, salt: string, expectedDigest: string): boolean {
    const expected = Buffer.from(expectedDigest, 'hex');
    let matched = false;
    for (const key of this.codeKeys) {
      if (constantTimeEqual(Buffer.from(saltedHex(key, code, salt), 'hex'), expected)) matched = true;
    }
    return matched;
  }
}

function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

function saltedHex(key: Buffer, code: string, salt: string): string {
  return createHmac('sha256', key).update(salt, 'utf8').update('\0').update(code, 'utf8').digest('hex');
}
