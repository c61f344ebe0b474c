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
 * The keys of one KeyedHasher generation: an HMAC key for tokens and one for
 * codes, so that no two uses share a key.
 *
 * A **tagged** key names itself in what it makes: its token digests are
 * `<id>.<hex>` and its salts `<id>.<random>`, so what each key hashed can be
 * counted and a key dropped once none of it is left. An **untagged** key
 * (derived from an APP_SECRET, as every key was before the key ring) makes
 * plain hex digests and salts, exactly as before: every digest already stored
 * stays valid, and instances of the previous release agree with this one.
 */
export interface HashingKey {
  id: string;
  tagged: boolean;
  tokenKey: Buffer;
  codeKey: Buffer;
}

/** `<id>.` at the start of a tagged digest or salt: 8 lower-case hex characters and a dot (never in plain hex). */
const TAG = /^([0-9a-f]{8})\./;
/** Digest columns hold 64 characters: a tagged digest is its tag and the HMAC cut to fit (220 bits). */
const DIGEST_LENGTH = 64;

/** The key id a tagged digest or salt names; null for an untagged (plain hex) one. */
export function hashingKeyTagOf(digestOrSalt: string): string | null {
  return TAG.exec(digestOrSalt)?.[1] ?? null;
}

/** The untagged key that an APP_SECRET gave before the key ring (the same HKDF derivations). */
export function hashingKeyFromSecret(secret: Buffer): HashingKey {
  const tokenKey = deriveKey(secret, 'hmac/token');
  const codeKey = deriveKey(secret, 'hmac/code');
  // Names the key without revealing it, like SecretSealer's key ids; never written into a digest.
  const id = `secret-${createHash('sha256').update(tokenKey).update(codeKey).digest('hex').slice(0, 8)}`;
  return { id, tagged: false, tokenKey, codeKey };
}

/** A new random, tagged key (the key ring's current key after an APP_SECRET rotation). */
export function newHashingKey(): HashingKey {
  return { id: randomBytes(4).toString('hex'), tagged: true, tokenKey: randomBytes(32), codeKey: randomBytes(32) };
}

/** The key material as text, to be sealed (SecretSealer) and stored; never logged. */
export function exportHashingKey(key: HashingKey): string {
  return JSON.stringify({ v: 1, token: key.tokenKey.toString('base64'), code: key.codeKey.toString('base64') });
}

/** The inverse of exportHashingKey; throws on anything else. */
export function importHashingKey(id: string, tagged: boolean, material: string): HashingKey {
  const parsed = JSON.parse(material) as { v?: unknown; token?: unknown; code?: unknown };
  if (parsed.v !== 1 || typeof parsed.token !== 'string' || typeof parsed.code !== 'string') throw new Error('not a hashing key');
  const tokenKey = Buffer.from(parsed.token, 'base64');
  const codeKey = Buffer.from(parsed.code, 'base64');
  if (tokenKey.length !== 32 || codeKey.length !== 32) throw new Error('not a hashing key');
  if (tagged && !/^[0-9a-f]{8}$/.test(id)) throw new Error('a tagged key id is 8 hex characters');
  return { id, tagged, tokenKey, codeKey };
}

/**
 * Keyed hashing (HMAC-SHA-256) of tokens and codes.
 *
 * - `tokenDigest` is deterministic, so a random token can be looked up by its
 *   digest (the token itself carries 256 bits: no salt needed).
 * - `saltedDigest`/`verifySalted` are for short codes (six digits, backup
 *   codes): a per-row salt and the secret key mean a stolen table is useless,
 *   and a check costs one HMAC, microseconds, not an argon2 run.
 *
 * One current key makes new digests; verify-only keys still match what they
 * made. A salt names the key of its digest (tagged keys), so a code is
 * checked under that one key.
 */
export class KeyedHasher {
  private readonly current: HashingKey;
  /** The current key first. */
  private readonly keys: HashingKey[];
  private readonly byTag: Map<string, HashingKey>;
  /** What an untagged salt may have been digested under: the untagged keys, and the current one. */
  private readonly untaggedSaltKeys: HashingKey[];

  /**
   * A Buffer is an APP_SECRET, as before the key ring (its untagged key);
   * the key ring (src/common/security/key-ring) passes its keys.
   */
  constructor(current: Buffer | HashingKey, verifyOnly: ReadonlyArray<Buffer | HashingKey> = []) {
    const asKey = (k: Buffer | HashingKey): HashingKey => (Buffer.isBuffer(k) ? hashingKeyFromSecret(k) : k);
    this.current = asKey(current);
    const seen = new Set<string>();
    this.keys = [this.current, ...verifyOnly.map(asKey)].filter((k) => !seen.has(k.id) && seen.add(k.id));
    this.byTag = new Map(this.keys.filter((k) => k.tagged).map((k) => [k.id, k]));
    this.untaggedSaltKeys = this.keys.filter((k) => !k.tagged || k === this.current);
  }

  /** The current key's id and whether it tags what it makes. */
  get currentKey(): { id: string; tagged: boolean } {
    return { id: this.current.id, tagged: this.current.tagged };
  }

  /** Under the current key: what is stored from now on. */
  tokenDigest(token: string): string {
    return tokenDigestUnder(this.current, token);
  }

  /** Under every key, current first: what a stored digest may be (look up by any of them). */
  tokenDigests(token: string): string[] {
    return this.keys.map((key) => tokenDigestUnder(key, token));
  }

  /** A new salt; under a tagged current key it names the key. */
  newSalt(): string {
    if (!this.current.tagged) return randomBytes(16).toString('hex');
    // 8 + 1 + 22 characters: fits the 32-character salt columns.
    return `${this.current.id}.${randomBytes(16).toString('base64url')}`;
  }

  /** Under the key the salt names (a salt from newSalt), else under the current key. */
  saltedDigest(code: string, salt: string): string {
    const tag = hashingKeyTagOf(salt);
    const key = tag === null ? this.current : this.byTag.get(tag);
    if (!key) throw new Error('saltedDigest: the salt names a key this hasher does not have (use newSalt)');
    return saltedHex(key, code, salt);
  }

  /**
   * True when `expectedDigest` is the code's digest under the key its salt
   * names (a tagged salt) or under any untagged key (a plain salt). Every
   * candidate key is tried, so timing tells nothing about which one matched.
   */
  verifySalted(code: string, salt: string, expectedDigest: string): boolean {
    const tag = hashingKeyTagOf(salt);
    const tagged = tag === null ? undefined : this.byTag.get(tag);
    const candidates = tag === null ? this.untaggedSaltKeys : tagged ? [tagged] : [];
    const expected = Buffer.from(expectedDigest, 'hex');
    if (candidates.length === 0) {
      // A key dropped from the ring: nothing to match, at the cost of one HMAC all the same.
      saltedHex(this.current, code, salt);
      return false;
    }
    let matched = false;
    for (const key of candidates) {
      if (constantTimeEqual(Buffer.from(saltedHex(key, code, salt), 'hex'), expected)) matched = true;
    }
    return matched;
  }
}

function tokenDigestUnder(key: HashingKey, token: string): string {
  const hex = createHmac('sha256', key.tokenKey).update(token, 'utf8').digest('hex');
  return key.tagged ? `${key.id}.${hex}`.slice(0, DIGEST_LENGTH) : hex;
}

function saltedHex(key: HashingKey, code: string, salt: string): string {
  return createHmac('sha256', key.codeKey).update(salt, 'utf8').update('\0').update(code, 'utf8').digest('hex');
}
