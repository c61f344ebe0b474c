import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BACKUP_CODE_ALPHABET,
  constantTimeEqual,
  exportHashingKey,
  generateBackupCode,
  hashingKeyFromSecret,
  hashingKeyTagOf,
  importHashingKey,
  KeyedHasher,
  newHashingKey,
  normalizeBackupCode,
  randomDigits,
  randomToken,
  SecretSealer,
  UnsealError,
} from './index';

describe('random', () => {
  it('tokens carry 256 bits and never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(tokens.size).toBe(1000);
    expect(Buffer.from([...tokens][0], 'base64url')).toHaveLength(32);
  });

  it('digits are six ASCII digits and roughly uniform', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 2000; i++) {
      const code = randomDigits(6);
      expect(code).toMatch(/^\d{6}$/);
      for (const d of code) counts[Number(d)]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(900); // 1200 expected
  });
});

describe('backup codes', () => {
  it('are xxxxx-xxxxx from a 32-symbol alphabet (50 bits)', () => {
    expect(BACKUP_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(BACKUP_CODE_ALPHABET).size).toBe(32);
    const code = generateBackupCode();
    expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    expect(code).not.toMatch(/[ilou]/);
  });

  it('normalise case, dashes, spaces and look-alikes', () => {
    expect(normalizeBackupCode('abcde-fghjk')).toBe('ABCDEFGHJK');
    expect(normalizeBackupCode(' ABCDE FGHJK ')).toBe('ABCDEFGHJK');
    expect(normalizeBackupCode('o1l2i-34567')).toBe('0112134567');
    expect(normalizeBackupCode('abcde-fghj')).toBeNull();
    expect(normalizeBackupCode('abcde-fghjk1')).toBeNull();
    expect(normalizeBackupCode('abcde-fghj!')).toBeNull();
    expect(normalizeBackupCode('abcde-fghjü')).toBeNull();
  });
});

describe('keyed hashing', () => {
  const hasher = new KeyedHasher(randomBytes(32));

  it('token digests are deterministic and keyed', () => {
    expect(hasher.tokenDigest('t')).toBe(hasher.tokenDigest('t'));
    expect(hasher.tokenDigest('t')).not.toBe(new KeyedHasher(randomBytes(32)).tokenDigest('t'));
    expect(hasher.tokenDigest('t')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('salted digests verify only the right code with the right salt', () => {
    const salt = hasher.newSalt();
    const digest = hasher.saltedDigest('123456', salt);
    expect(hasher.verifySalted('123456', salt, digest)).toBe(true);
    expect(hasher.verifySalted('123457', salt, digest)).toBe(false);
    expect(hasher.verifySalted('123456', hasher.newSalt(), digest)).toBe(false);
    expect(hasher.saltedDigest('123456', hasher.newSalt())).not.toBe(digest);
  });

  it('after a rotation, digests made under the previous secret still match; new ones use the current secret', () => {
    const oldSecret = randomBytes(32);
    const before = new KeyedHasher(oldSecret);
    const after = new KeyedHasher(randomBytes(32), [oldSecret]);
    const salt = before.newSalt();
    expect(after.verifySalted('123456', salt, before.saltedDigest('123456', salt))).toBe(true);
    expect(after.verifySalted('123457', salt, before.saltedDigest('123456', salt))).toBe(false);
    expect(after.tokenDigests('t')).toEqual([after.tokenDigest('t'), before.tokenDigest('t')]);
    expect(after.tokenDigest('t')).not.toBe(before.tokenDigest('t'));
    expect(new KeyedHasher(randomBytes(32)).verifySalted('123456', salt, before.saltedDigest('123456', salt))).toBe(false);
  });

  it('an APP_SECRET gives the untagged key it always gave: plain digests and salts, as stored before the key ring', () => {
    const secret = randomBytes(32);
    const legacy = hashingKeyFromSecret(secret);
    expect(legacy.tagged).toBe(false);
    const fromKey = new KeyedHasher(legacy);
    const fromSecret = new KeyedHasher(secret);
    expect(fromKey.tokenDigest('t')).toBe(fromSecret.tokenDigest('t'));
    expect(fromKey.tokenDigest('t')).toMatch(/^[0-9a-f]{64}$/);
    expect(fromKey.newSalt()).toMatch(/^[0-9a-f]{32}$/);
    const salt = fromSecret.newSalt();
    expect(fromKey.verifySalted('123456', salt, fromSecret.saltedDigest('123456', salt))).toBe(true);
    expect(hashingKeyTagOf(fromKey.tokenDigest('t'))).toBeNull();
  });

  it('a tagged key names itself in its digests and salts, which fit the 64- and 32-character columns', () => {
    const key = newHashingKey();
    expect(key.id).toMatch(/^[0-9a-f]{8}$/);
    const hasher = new KeyedHasher(key);
    const digest = hasher.tokenDigest('t');
    expect(digest).toHaveLength(64);
    expect(digest.startsWith(`${key.id}.`)).toBe(true);
    expect(hashingKeyTagOf(digest)).toBe(key.id);
    const salt = hasher.newSalt();
    expect(salt.length).toBeLessThanOrEqual(32);
    expect(hashingKeyTagOf(salt)).toBe(key.id);
    expect(hasher.saltedDigest('123456', salt)).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Array.from({ length: 100 }, () => hasher.newSalt())).size).toBe(100);
  });

  it('after a rotation to a new key, what every older key hashed still verifies under the key its salt names', () => {
    const oldSecret = randomBytes(32);
    const before = new KeyedHasher(oldSecret);
    const middle = newHashingKey();
    const inMiddle = new KeyedHasher(middle, [oldSecret]);
    const after = new KeyedHasher(newHashingKey(), [middle, hashingKeyFromSecret(oldSecret)]);

    expect(after.tokenDigests('t')).toEqual([after.tokenDigest('t'), inMiddle.tokenDigest('t'), before.tokenDigest('t')]);
    const legacySalt = before.newSalt();
    expect(after.verifySalted('123456', legacySalt, before.saltedDigest('123456', legacySalt))).toBe(true);
    const middleSalt = inMiddle.newSalt();
    const middleDigest = inMiddle.saltedDigest('123456', middleSalt);
    expect(after.verifySalted('123456', middleSalt, middleDigest)).toBe(true);
    expect(after.verifySalted('123457', middleSalt, middleDigest)).toBe(false);
    // The salt names the key: the same digest under another tag does not verify.
    const forged = `${after.currentKey.id}${middleSalt.slice(8)}`;
    expect(after.verifySalted('123456', forged, middleDigest)).toBe(false);
    // Once the middle key is dropped, what it hashed no longer verifies (and nothing throws).
    const dropped = new KeyedHasher(newHashingKey(), [hashingKeyFromSecret(oldSecret)]);
    expect(dropped.verifySalted('123456', middleSalt, middleDigest)).toBe(false);
    expect(() => dropped.saltedDigest('123456', middleSalt)).toThrow(/does not have/);
  });

  it('key material round-trips through export/import and refuses anything else', () => {
    const key = newHashingKey();
    const back = importHashingKey(key.id, true, exportHashingKey(key));
    expect(new KeyedHasher(back).tokenDigest('t')).toBe(new KeyedHasher(key).tokenDigest('t'));
    expect(() => importHashingKey(key.id, true, '{"v":2}')).toThrow();
    expect(() => importHashingKey('secret-1', true, exportHashingKey(key))).toThrow(/8 hex/);
    expect(() => importHashingKey(key.id, true, JSON.stringify({ v: 1, token: 'AAAA', code: 'AAAA' }))).toThrow();
  });

  it('constant-time equality', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('sealing', () => {
  const secret = randomBytes(32);

  it('round-trips and hides the plaintext', () => {
    const sealer = new SecretSealer(secret);
    const sealed = sealer.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealed.split('.')[1]).toBe(sealer.currentKeyId);
    expect(sealer.unseal(sealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(sealer.seal('x')).not.toBe(sealer.seal('x'));
  });

  it('refuses another context, tampering and unknown keys', () => {
    const sealer = new SecretSealer(secret);
    const sealed = sealer.seal('secret', 'totp:u1');
    expect(() => sealer.unseal(sealed, 'totp:u2')).toThrow(UnsealError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => sealer.unseal(parts.join('.'), 'totp:u1')).toThrow(UnsealError);
    expect(() => new SecretSealer(randomBytes(32)).unseal(sealed, 'totp:u1')).toThrow(/unknown key id/);
    expect(() => sealer.unseal('garbage')).toThrow(UnsealError);
  });

  it('rotates keys: the old secret still opens, new seals use the new key', () => {
    const oldSealer = new SecretSealer(secret);
    const sealed = oldSealer.seal('smtp-password');
    const rotated = new SecretSealer(randomBytes(32), [secret]);
    expect(rotated.unseal(sealed)).toBe('smtp-password');
    expect(rotated.needsReseal(sealed)).toBe(true);
    expect(rotated.needsReseal(rotated.seal('x'))).toBe(false);
    const resealed = rotated.reseal(sealed, '');
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(new SecretSealer(randomBytes(32), [secret]).hasKey(SecretSealer.keyIdOf(resealed)!)).toBe(false);
    expect(rotated.hasKey(SecretSealer.keyIdOf(sealed)!)).toBe(true);
    expect(resealed.startsWith(rotated.currentPrefix)).toBe(true);
    expect(() => rotated.reseal(sealed, 'another-context')).toThrow(UnsealError);
  });
});
