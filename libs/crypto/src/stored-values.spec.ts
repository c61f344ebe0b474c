import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  deriveKey,
  exportHashingKey,
  formatBackupCode,
  generateBackupCode,
  hashingKeyFromSecret,
  hashingKeyTagOf,
  importHashingKey,
  KeyedHasher,
  newHashingKey,
  normalizeBackupCode,
  randomDigits,
  randomFromAlphabet,
  randomToken,
  SecretSealer,
  sha256Hex,
  UnsealError,
} from './index';

/**
 * What is already stored must stay readable: digests, salts, key ids and
 * sealed values made by this release are pinned here, so a change to a
 * derivation (a purpose string, a separator, a format) fails a test instead
 * of locking every user out after an upgrade.
 */
describe('values already stored keep their meaning', () => {
  const secret = Buffer.alloc(32, 7);

  it('key derivation, token and code digests under an APP_SECRET', () => {
    expect(deriveKey(secret, 'x').toString('hex')).toBe('566e10b86926c318940145e858fd1af3a095cd9dc47822266531800993317c38');
    const hasher = new KeyedHasher(secret);
    expect(hasher.tokenDigest('token-1')).toBe('3fa7f214fed3cf3911ed6f66a88c0185661d4b46e669dde62b16bd3cce01c5f3');
    expect(hasher.saltedDigest('123456', '00112233445566778899aabbccddeeff')).toBe('bc95e70e5c9ecb3e5bb8fbabbb445d4082a8657fc75fbbbd9dd18b58553a67d0');
    expect(hasher.verifySalted('123456', '00112233445566778899aabbccddeeff', 'bc95e70e5c9ecb3e5bb8fbabbb445d4082a8657fc75fbbbd9dd18b58553a67d0')).toBe(true);
    expect(hashingKeyFromSecret(secret).id).toBe('secret-98e6fa63');
    expect(hasher.currentKey).toEqual({ id: 'secret-98e6fa63', tagged: false });
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('a value sealed by this release opens, under its key id', () => {
    const sealer = new SecretSealer(secret);
    expect(sealer.currentKeyId).toBe('35772e31');
    expect(sealer.currentPrefix).toBe('v1.35772e31.');
    const sealed = 'v1.35772e31.qCnqqpFrD2VeTSEF.0DiZVk5dzBBNKeYuPzAODQ.ip8jiylzuBtcDLqo6dz5Yg';
    expect(sealer.unseal(sealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(SecretSealer.keyIdOf(sealed)).toBe('35772e31');
    expect(sealer.needsReseal(sealed)).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings and buffers, and any length mismatch is unequal', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(constantTimeEqual('abc', Buffer.from('abd'))).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });
});

describe('hashing keys', () => {
  it('a tag is 8 lower-case hex characters and a dot at the start', () => {
    expect(hashingKeyTagOf('0123abcd.rest')).toBe('0123abcd');
    expect(hashingKeyTagOf('0123ABCD.rest')).toBeNull();
    expect(hashingKeyTagOf('x0123abcd.rest')).toBeNull();
    expect(hashingKeyTagOf('0123abc.rest')).toBeNull();
    expect(hashingKeyTagOf('0123abcd')).toBeNull();
    expect(hashingKeyTagOf('0123abcdxrest')).toBeNull();
  });

  it('a new key is tagged, random, with two 32-byte keys', () => {
    const key = newHashingKey();
    expect(key.tagged).toBe(true);
    expect(key.tokenKey).toHaveLength(32);
    expect(key.codeKey).toHaveLength(32);
    expect(key.tokenKey.equals(key.codeKey)).toBe(false);
    expect(newHashingKey().id).not.toBe(key.id);
  });

  it('the two keys of a secret differ, and differ between secrets', () => {
    const a = hashingKeyFromSecret(Buffer.alloc(32, 1));
    const b = hashingKeyFromSecret(Buffer.alloc(32, 2));
    expect(a.tokenKey.equals(a.codeKey)).toBe(false);
    expect(a.tokenKey.equals(b.tokenKey)).toBe(false);
    expect(a.id).toMatch(/^secret-[0-9a-f]{8}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('import refuses anything but the export of a key', () => {
    const key = newHashingKey();
    const good = JSON.parse(exportHashingKey(key)) as Record<string, unknown>;
    expect(good).toEqual({ v: 1, token: key.tokenKey.toString('base64'), code: key.codeKey.toString('base64') });
    const bad = (changes: Record<string, unknown>) => () => importHashingKey(key.id, true, JSON.stringify({ ...good, ...changes }));
    expect(bad({ v: 2 })).toThrow('not a hashing key');
    expect(bad({ token: 1 })).toThrow('not a hashing key');
    expect(bad({ code: null })).toThrow('not a hashing key');
    expect(bad({ token: randomBytes(31).toString('base64') })).toThrow('not a hashing key');
    expect(bad({ code: randomBytes(33).toString('base64') })).toThrow('not a hashing key');
    expect(() => importHashingKey('ABCDEF12', true, exportHashingKey(key))).toThrow('a tagged key id is 8 hex characters');
    expect(() => importHashingKey(`${key.id}0`, true, exportHashingKey(key))).toThrow('a tagged key id is 8 hex characters');
    expect(() => importHashingKey(`x${key.id}`, true, exportHashingKey(key))).toThrow('a tagged key id is 8 hex characters');
    // An untagged key keeps whatever id names it.
    expect(importHashingKey('secret-1', false, exportHashingKey(key))).toEqual({ ...key, id: 'secret-1', tagged: false });
    expect(importHashingKey(key.id, true, exportHashingKey(key))).toEqual(key);
  });
});

describe('KeyedHasher', () => {
  it('a tagged key\'s token digest is its tag and the HMAC, cut to 64 characters', () => {
    const key = newHashingKey();
    const hmac = createHmac('sha256', key.tokenKey).update('t', 'utf8').digest('hex');
    expect(new KeyedHasher(key).tokenDigest('t')).toBe(`${key.id}.${hmac}`.slice(0, 64));
  });

  it('salts: 32 hex characters untagged; `<id>.` and 22 characters tagged', () => {
    const plain = new KeyedHasher(randomBytes(32)).newSalt();
    expect(plain).toMatch(/^[0-9a-f]{32}$/);
    const key = newHashingKey();
    const tagged = new KeyedHasher(key).newSalt();
    expect(tagged).toMatch(new RegExp(`^${key.id}\\.[A-Za-z0-9_-]{22}$`));
  });

  it('a code digest is HMAC(codeKey, salt NUL code) under the key the salt names', () => {
    const key = newHashingKey();
    const hasher = new KeyedHasher(key);
    const salt = hasher.newSalt();
    const expected = createHmac('sha256', key.codeKey).update(salt).update('\0').update('123456').digest('hex');
    expect(hasher.saltedDigest('123456', salt)).toBe(expected);
    // Salt and code cannot trade characters.
    expect(hasher.saltedDigest('1', '23')).not.toBe(hasher.saltedDigest('12', '3'));
  });

  it('a plain salt under a tagged current key is digested and verified under the current key', () => {
    const key = newHashingKey();
    const hasher = new KeyedHasher(key);
    const plainSalt = randomBytes(16).toString('hex');
    const digest = hasher.saltedDigest('123456', plainSalt);
    expect(digest).toBe(createHmac('sha256', key.codeKey).update(plainSalt).update('\0').update('123456').digest('hex'));
    expect(hasher.verifySalted('123456', plainSalt, digest)).toBe(true);
  });

  it('a plain salt is never checked under a tagged key that is not current', () => {
    const old = newHashingKey();
    const plainSalt = randomBytes(16).toString('hex');
    const digest = new KeyedHasher(old).saltedDigest('123456', plainSalt);
    expect(new KeyedHasher(newHashingKey(), [old]).verifySalted('123456', plainSalt, digest)).toBe(false);
  });

  it('a tagged salt of a verify-only key verifies under that key, and a digest in another key is refused', () => {
    const old = newHashingKey();
    const before = new KeyedHasher(old);
    const salt = before.newSalt();
    const digest = before.saltedDigest('123456', salt);
    const after = new KeyedHasher(newHashingKey(), [old]);
    expect(after.saltedDigest('123456', salt)).toBe(digest);
    expect(after.verifySalted('123456', salt, digest)).toBe(true);
    expect(after.verifySalted('123456', salt, after.saltedDigest('654321', salt))).toBe(false);
    expect(() => new KeyedHasher(newHashingKey()).saltedDigest('1', salt)).toThrow('saltedDigest: the salt names a key this hasher does not have (use newSalt)');
  });

  it('every key is looked up once: a key given twice is one digest', () => {
    const secret = randomBytes(32);
    const key = newHashingKey();
    const hasher = new KeyedHasher(key, [key, secret, secret]);
    expect(hasher.tokenDigests('t')).toEqual([hasher.tokenDigest('t'), new KeyedHasher(secret).tokenDigest('t')]);
  });

  it('a match on any candidate key counts, whichever comes first', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const salt = new KeyedHasher(a).newSalt();
    const byA = new KeyedHasher(a).saltedDigest('1', salt);
    const byB = new KeyedHasher(b).saltedDigest('1', salt);
    const ring = new KeyedHasher(a, [b]);
    expect(ring.verifySalted('1', salt, byA)).toBe(true);
    expect(ring.verifySalted('1', salt, byB)).toBe(true);
    expect(ring.verifySalted('2', salt, byB)).toBe(false);
  });
});

describe('SecretSealer', () => {
  it('seals as v1.<key id>.<iv>.<body>.<tag>, with a 96-bit IV and a 128-bit tag', () => {
    const sealer = new SecretSealer(randomBytes(32));
    const parts = sealer.seal('hello').split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(sealer.currentKeyId);
    expect(Buffer.from(parts[2], 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[4], 'base64url')).toHaveLength(16);
  });

  it('the context defaults to empty and is checked', () => {
    const sealer = new SecretSealer(randomBytes(32));
    expect(sealer.unseal(sealer.seal('x'))).toBe('x');
    expect(sealer.unseal(sealer.seal('x'), '')).toBe('x');
    expect(sealer.unseal(sealer.seal('x', ''))).toBe('x');
    expect(() => sealer.unseal(sealer.seal('x'), 'ctx')).toThrow('cannot unseal: authentication failed');
    expect(sealer.reseal(sealer.seal('y'))).not.toBe('');
    expect(sealer.unseal(sealer.reseal(sealer.seal('y')))).toBe('y');
  });

  it('refuses what is not a sealed value, naming why', () => {
    const sealer = new SecretSealer(randomBytes(32));
    const sealed = sealer.seal('x');
    const error = (() => {
      try {
        sealer.unseal(`v2${sealed.slice(2)}`);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(UnsealError);
    expect(error).toMatchObject({ name: 'UnsealError', message: 'cannot unseal: unknown format' });
    expect(() => sealer.unseal(`${sealed}.x`)).toThrow('cannot unseal: unknown format');
    expect(() => sealer.unseal(sealed.split('.').slice(0, 4).join('.'))).toThrow('cannot unseal: unknown format');
    const other = new SecretSealer(randomBytes(32));
    expect(() => sealer.unseal(other.seal('x'))).toThrow(`cannot unseal: unknown key id ${other.currentKeyId}`);
    expect(() => sealer.unseal(sealed.replace(/\.[^.]+$/, '.AAAA'))).toThrow('cannot unseal: authentication failed');
  });

  it('keyIdOf names the key of a sealed value only', () => {
    const sealer = new SecretSealer(randomBytes(32));
    expect(SecretSealer.keyIdOf(sealer.seal('x'))).toBe(sealer.currentKeyId);
    expect(SecretSealer.keyIdOf('v2.a.b.c.d')).toBeNull();
    expect(SecretSealer.keyIdOf('v1.a.b.c')).toBeNull();
    expect(SecretSealer.keyIdOf('v1.a.b.c.d.e')).toBeNull();
    expect(SecretSealer.keyIdOf('v1.a.b.c.d')).toBe('a');
  });

  it('a previous secret opens what it sealed; the current one is asked to reseal it', () => {
    const old = randomBytes(32);
    const sealed = new SecretSealer(old).seal('x', 'c');
    const ring = new SecretSealer(randomBytes(32), [old]);
    expect(ring.needsReseal(sealed)).toBe(true);
    expect(ring.needsReseal('garbage')).toBe(true);
    expect(ring.hasKey(new SecretSealer(old).currentKeyId)).toBe(true);
    expect(ring.hasKey(ring.currentKeyId)).toBe(true);
    expect(ring.hasKey('00000000')).toBe(false);
    expect(ring.unseal(sealed, 'c')).toBe('x');
  });
});

describe('random values and backup codes', () => {
  it('a token is 32 random bytes by default, any length on request', () => {
    expect(Buffer.from(randomToken(), 'base64url')).toHaveLength(32);
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(randomDigits()).toMatch(/^[0-9]{6}$/);
    expect(randomDigits(8)).toMatch(/^[0-9]{8}$/);
    expect(randomDigits(0)).toBe('');
  });

  it('draws from every symbol of the alphabet, and only from it', () => {
    const drawn = randomFromAlphabet('ab', 400);
    expect(drawn).toMatch(/^[ab]{400}$/);
    expect(drawn).toContain('a');
    expect(drawn).toContain('b');
    expect(randomFromAlphabet('xyz', 0)).toBe('');
    const codes = Array.from({ length: 200 }, () => generateBackupCode()).join('');
    expect(new Set(codes.replace(/-/g, '')).size).toBe(32);
  });

  it('the display form is two groups of five, lower case', () => {
    expect(formatBackupCode('ABCDEFGHJK')).toBe('abcde-fghjk');
    expect(normalizeBackupCode(formatBackupCode('0123456789'))).toBe('0123456789');
    expect(normalizeBackupCode('abcde\tfghjk')).toBe('ABCDEFGHJK');
    expect(normalizeBackupCode('a-b-c-d-e-f-g-h-j-k')).toBe('ABCDEFGHJK');
    expect(normalizeBackupCode('abcde-fghjU')).toBeNull();
  });
});
