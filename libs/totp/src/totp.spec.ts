import { spawnSync } from 'node:child_process';
import speakeasy from 'speakeasy';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, generateHotp, generateTotp, generateTotpSecret, totpStep, verifyTotp } from './index';

const SEED_SHA1 = base32Encode(Buffer.from('12345678901234567890'));
const SEED_SHA256 = base32Encode(Buffer.from('12345678901234567890123456789012'));
const SEED_SHA512 = base32Encode(Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'));

const at = (unixSeconds: number): Date => new Date(unixSeconds * 1000);
const hasOathtool = spawnSync('oathtool', ['--version']).status === 0;

describe('RFC test vectors', () => {
  it('seed encodes as expected', () => {
    expect(SEED_SHA1).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('RFC 4226 Appendix D: HOTP, counters 0..9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => generateHotp({ secretBase32: SEED_SHA1, counter }))).toEqual(expected);
  });

  // RFC 6238 Appendix B: time, SHA-1, SHA-256, SHA-512 (8 digits).
  const table: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(table)('RFC 6238 Appendix B at %i', (time, sha1, sha256, sha512) => {
    const now = at(time);
    expect(generateTotp({ secretBase32: SEED_SHA1, now, digits: 8 })).toBe(sha1);
    expect(generateTotp({ secretBase32: SEED_SHA256, now, digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(generateTotp({ secretBase32: SEED_SHA512, now, digits: 8, algorithm: 'sha512' })).toBe(sha512);
    // The 6-digit code is the low six digits, and it verifies.
    expect(verifyTotp({ secretBase32: SEED_SHA1, code: sha1.slice(2), now })).toEqual({ step: totpStep(now) });
  });
});

describe('totpStep', () => {
  it('is floor(unix seconds / 30)', () => {
    expect(totpStep(at(0))).toBe(0);
    expect(totpStep(at(29.999))).toBe(0);
    expect(totpStep(at(30))).toBe(1);
    expect(totpStep(at(1111111109))).toBe(37037036);
  });

  it('throws on an invalid date', () => {
    expect(() => totpStep(new Date(Number.NaN))).toThrow(TypeError);
  });
});

describe('generateTotpSecret', () => {
  it('is 20 random bytes as 32 unpadded base32 characters', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(secret).not.toContain('=');
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('verifyTotp', () => {
  const secretBase32 = SEED_SHA1;
  const now = at(1111111111);
  const step = totpStep(now);
  const codeAt = (s: number): string => generateHotp({ secretBase32, counter: s });

  it('accepts a code with a leading zero', () => {
    let s = step;
    while (!codeAt(s).startsWith('0')) s++;
    const when = at(s * 30 + 7);
    const code = generateTotp({ secretBase32, now: when });
    expect(code).toMatch(/^0\d{5}$/);
    expect(verifyTotp({ secretBase32, code, now: when })).toEqual({ step: s });
  });

  it('accepts ±1 step by default and returns the matched step', () => {
    expect(verifyTotp({ secretBase32, code: codeAt(step), now })).toEqual({ step });
    expect(verifyTotp({ secretBase32, code: codeAt(step - 1), now })).toEqual({ step: step - 1 });
    expect(verifyTotp({ secretBase32, code: codeAt(step + 1), now })).toEqual({ step: step + 1 });
    expect(verifyTotp({ secretBase32, code: codeAt(step - 2), now })).toBeNull();
    expect(verifyTotp({ secretBase32, code: codeAt(step + 2), now })).toBeNull();
  });

  it('honours the window size', () => {
    expect(verifyTotp({ secretBase32, code: codeAt(step - 1), now, window: 0 })).toBeNull();
    expect(verifyTotp({ secretBase32, code: codeAt(step + 2), now, window: 2 })).toEqual({ step: step + 2 });
  });

  it('on a code collision inside the window, returns the newest step (refuses more replays)', () => {
    // Found by search: with the RFC seed, steps 57017782 and 57017784 share a code.
    expect(codeAt(57017782)).toBe('882938');
    expect(codeAt(57017784)).toBe('882938');
    const middle = at(57017783 * 30);
    expect(verifyTotp({ secretBase32, code: '882938', now: middle })).toEqual({ step: 57017784 });
    expect(verifyTotp({ secretBase32, code: '882938', now: middle, afterStep: 57017784 })).toBeNull();
  });

  it('rejects a window that is not an integer 0..10', () => {
    for (const window of [-1, 11, 1.5, Number.NaN, '1' as unknown as number]) {
      expect(() => verifyTotp({ secretBase32, code: codeAt(step), now, window })).toThrow(RangeError);
    }
  });

  it('afterStep refuses the same and earlier steps, accepts later ones', () => {
    const code = codeAt(step);
    expect(verifyTotp({ secretBase32, code, now, afterStep: step })).toBeNull();
    expect(verifyTotp({ secretBase32, code, now, afterStep: step + 1 })).toBeNull();
    expect(verifyTotp({ secretBase32, code, now, afterStep: step - 1 })).toEqual({ step });
    expect(verifyTotp({ secretBase32, code: codeAt(step + 1), now, afterStep: step })).toEqual({ step: step + 1 });
    expect(verifyTotp({ secretBase32, code, now, afterStep: null })).toEqual({ step });
    expect(() => verifyTotp({ secretBase32, code, now, afterStep: 1.5 })).toThrow(TypeError);
  });

  it('refuses an empty or missing secret, even with the code speakeasy derives from it', () => {
    const time = 1111111111;
    const fromEmpty = speakeasy.totp({ secret: '', encoding: 'base32', time });
    expect(fromEmpty).toMatch(/^\d{6}$/);
    expect(speakeasy.totp.verify({ secret: '', encoding: 'base32', token: fromEmpty, time })).toBe(true); // the trap
    expect(verifyTotp({ secretBase32: '', code: fromEmpty, now: at(time) })).toBeNull();
    expect(verifyTotp({ secretBase32: undefined as unknown as string, code: fromEmpty, now: at(time) })).toBeNull();
  });

  it('refuses a secret that is not base32, even one speakeasy would decode', () => {
    const time = 1111111111;
    for (const bad of ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====', 'GEZD GNBV']) {
      const code = speakeasy.totp({ secret: bad, encoding: 'base32', time });
      expect(verifyTotp({ secretBase32: bad, code, now: at(time) })).toBeNull();
    }
  });

  it('refuses codes that are not exactly six ASCII digits', () => {
    // RFC 6238 code at 1111111109 is 07081804; its six digits are 081804.
    const when = at(1111111109);
    expect(verifyTotp({ secretBase32, code: '081804', now: when })).not.toBeNull();
    for (const code of [' 81804', '81804a', '081804\n', '０８１８０４', '１２３４５６', '7081804', '81804', '', '+81804']) {
      expect(verifyTotp({ secretBase32, code, now: when })).toBeNull();
    }
    expect(verifyTotp({ secretBase32, code: 81804 as unknown as string, now: when })).toBeNull();
  });

  it('checks arguments of generateTotp', () => {
    expect(() => generateTotp({ secretBase32: '', now })).toThrow(TypeError);
    expect(() => generateTotp({ secretBase32, now, digits: 7 as 6 })).toThrow(RangeError);
    expect(() => generateTotp({ secretBase32, now, algorithm: 'md5' as 'sha1' })).toThrow(RangeError);
    expect(() => generateHotp({ secretBase32, counter: 2 ** 31 })).toThrow(RangeError);
  });
});

describe.skipIf(!hasOathtool)('against oathtool (independent implementation)', () => {
  const oathtool = (args: string[]): string => {
    const run = spawnSync('oathtool', args, { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout.trim();
  };

  it('accepts the code oathtool computes for a fresh secret', () => {
    const secret = generateTotpSecret();
    const now = new Date('2026-03-14T15:09:26Z');
    const code = oathtool(['--totp', '-b', secret, '--now', now.toISOString()]);
    expect(code).toMatch(/^\d{6}$/);
    expect(verifyTotp({ secretBase32: secret, code, now })).toEqual({ step: totpStep(now) });
  });

  it('agrees on 8-digit SHA-256 and SHA-512 codes', () => {
    const secret = generateTotpSecret();
    const now = new Date('2026-03-14T15:09:26Z');
    for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
      const code = oathtool([`--totp=${algorithm}`, '-d', '8', '-b', secret, '--now', now.toISOString()]);
      expect(generateTotp({ secretBase32: secret, now, digits: 8, algorithm })).toBe(code);
    }
  });
});
