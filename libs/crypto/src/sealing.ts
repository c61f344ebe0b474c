import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deriveKey } from './hashing';

const FORMAT = 'v1';

/** A sealed value that cannot be opened: wrong key, tampered data or context. */
export class UnsealError extends Error {
  constructor(reason: string) {
    super(`cannot unseal: ${reason}`);
    this.name = 'UnsealError';
  }
}

interface SealingKey {
  id: string;
  key: Buffer;
}

function sealingKeyFrom(masterSecret: Buffer): SealingKey {
  const key = deriveKey(masterSecret, 'seal/aes-256-gcm');
  // The id names the key without revealing it: a short hash of the derived key.
  const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return { id, key };
}

/**
 * Seals secrets at rest (TOTP secrets, the SMTP password, queued messages)
 * with AES-256-GCM. Each sealed value names its key id, so the app secret can
 * rotate: the new secret seals, older ones (kept as `previousSecrets`) still
 * open what they sealed.
 *
 * `context` is authenticated but not stored: a value sealed for one row
 * (e.g. `totp:<userId>`) will not open when copied into another.
 */
export class SecretSealer {
  private readonly current: SealingKey;
  private readonly byId: Map<string, SealingKey>;

  constructor(currentSecret: Buffer, previousSecrets: Buffer[] = []) {
    this.current = sealingKeyFrom(currentSecret);
    this.byId = new Map([this.current, ...previousSecrets.map(sealingKeyFrom)].map((k) => [k.id, k]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, this.current.id, iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join('.');
  }

  unseal(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new UnsealError('unknown format');
    const [, keyId, ivText, bodyText, tagText] = parts;
    const key = this.byId.get(keyId);
    if (!key) throw new UnsealError(`unknown key id ${keyId}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tagText, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new UnsealError('authentication failed');
    }
  }

  /** True when the value was sealed with an older key and should be sealed again. */
  needsReseal(sealed: string): boolean {
    return SecretSealer.keyIdOf(sealed) !== this.current.id;
  }

  /**
   * The same plaintext sealed again under the current key (for a value that
   * needsReseal). Throws UnsealError when it cannot be opened. The caller
   * writes it back only where the old value is still stored.
   */
  reseal(sealed: string, context = ''): string {
    return this.seal(this.unseal(sealed, context), context);
  }

  /** Whether this sealer can open values sealed under this key id (the current secret's or a previous one's). */
  hasKey(keyId: string): boolean {
    return this.byId.has(keyId);
  }

  /** The key id a sealed value names, or null when it is not a sealed value. */
  static keyIdOf(sealed: string): string | null {
    const parts = sealed.split('.');
    return parts.length === 5 && parts[0] === FORMAT ? parts[1] : null;
  }

  /** What every value sealed under the current key starts with (to find the others in SQL: NOT LIKE prefix%). */
  get currentPrefix(): string {
    return `${FORMAT}.${this.current.id}.`;
  }
}
