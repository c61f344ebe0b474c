import speakeasy from 'speakeasy';
import { describe, expect, it } from 'vitest';
import { base32DecodeOrNull, base32Decode, buildOtpauthUri, base32Encode, generateHotp, generateTotp, MAX_TOTP_WINDOW, TOTP_PERIOD_SECONDS, TOTP_SECRET_BYTES, totpStep, verifyTotp } from './index';

const SEED = base32Encode(Buffer.from('12345678901234567890'));
const LAST_COUNTER = 2 ** 31 - 1;
const at = (unixSeconds: number): Date => new Date(unixSeconds * 1000);

/** The edges of the TOTP library: counters, windows, defaults, secrets. */
describe('TOTP limits and defaults', () => {
  it('30-second steps, 160-bit secrets, windows up to 10 steps', () => {
    expect(TOTP_PERIOD_SECONDS).toBe(30);
    expect(TOTP_SECRET_BYTES).toBe(20);
    expect(MAX_TOTP_WINDOW).toBe(10);
    const now = at(1111111111);
    const far = generateHotp({ secretBase32: SEED, counter: totpStep(now) + 10 });
    expect(verifyTotp({ secretBase32: SEED, code: far, now, window: 10 })).toEqual({ step: totpStep(now) + 10 });
  });

  it('counters from 0 to 2^31 - 1; anything else is refused', () => {
    expect(generateHotp({ secretBase32: SEED, counter: 0 })).toBe('755224');
    expect(generateHotp({ secretBase32: SEED, counter: LAST_COUNTER })).toBe(speakeasy.hotp({ secret: SEED, encoding: 'base32', counter: LAST_COUNTER }));
    for (const counter of [-1, LAST_COUNTER + 1, 1.5, Number.NaN]) {
      expect(() => generateHotp({ secretBase32: SEED, counter })).toThrow(`counter must be an integer 0..${LAST_COUNTER}`);
    }
  });

  it('defaults to six digits of SHA-1, and names what it refuses', () => {
    expect(generateHotp({ secretBase32: SEED, counter: 1 })).toBe('287082');
    expect(generateHotp({ secretBase32: SEED, counter: 1, digits: 8 })).toBe('94287082');
    expect(generateTotp({ secretBase32: SEED, now: at(59) })).toBe('287082');
    expect(() => generateHotp({ secretBase32: '', counter: 1 })).toThrow('secretBase32 must be non-empty unpadded base32');
    expect(() => generateHotp({ secretBase32: SEED, counter: 1, digits: 7 as 6 })).toThrow('digits must be 6 or 8');
    expect(() => generateHotp({ secretBase32: SEED, counter: 1, algorithm: 'md5' as 'sha1' })).toThrow('algorithm must be sha1, sha256 or sha512');
  });

  it('a secret typed in lower case is the same secret', () => {
    const now = at(1111111111);
    const code = generateTotp({ secretBase32: SEED, now });
    expect(generateTotp({ secretBase32: SEED.toLowerCase(), now })).toBe(code);
    expect(verifyTotp({ secretBase32: SEED.toLowerCase(), code, now })).toEqual({ step: totpStep(now) });
  });

  it('no step below zero is tried at the epoch, and none past the last counter', () => {
    const code0 = generateHotp({ secretBase32: SEED, counter: 0 });
    expect(verifyTotp({ secretBase32: SEED, code: code0, now: at(0) })).toEqual({ step: 0 });
    expect(verifyTotp({ secretBase32: SEED, code: code0, now: at(0), window: 10 })).toEqual({ step: 0 });
    const last = generateHotp({ secretBase32: SEED, counter: LAST_COUNTER });
    const lastTime = at(LAST_COUNTER * 30);
    expect(verifyTotp({ secretBase32: SEED, code: last, now: lastTime })).toEqual({ step: LAST_COUNTER });
    // One step later the last counter is still in the window; the next one is never computed.
    expect(verifyTotp({ secretBase32: SEED, code: last, now: at((LAST_COUNTER + 1) * 30) })).toEqual({ step: LAST_COUNTER });
    const wrapped = speakeasy.hotp({ secret: SEED, encoding: 'base32', counter: LAST_COUNTER + 1 });
    if (wrapped !== last) expect(verifyTotp({ secretBase32: SEED, code: wrapped, now: at((LAST_COUNTER + 1) * 30) })).toBeNull();
  });

  it('the time step needs a real date', () => {
    expect(() => totpStep(1111111111 as unknown as Date)).toThrow('now must be a valid Date');
    expect(() => totpStep(new Date(Number.NaN))).toThrow('now must be a valid Date');
    expect(totpStep(at(-30))).toBe(-1);
  });

  it('afterStep of zero still refuses step zero', () => {
    const code0 = generateHotp({ secretBase32: SEED, counter: 0 });
    expect(verifyTotp({ secretBase32: SEED, code: code0, now: at(0), afterStep: 0 })).toBeNull();
    expect(verifyTotp({ secretBase32: SEED, code: code0, now: at(0), afterStep: -1 })).toEqual({ step: 0 });
  });

  it('names the window it refuses', () => {
    expect(() => verifyTotp({ secretBase32: SEED, code: '123456', now: at(0), window: 11 })).toThrow('window must be an integer 0..10');
    expect(() => verifyTotp({ secretBase32: SEED, code: '123456', now: at(0), afterStep: 0.5 })).toThrow('afterStep must be an integer');
  });

  it('a step below zero is never accepted, even with its code', () => {
    const code0 = generateHotp({ secretBase32: SEED, counter: 0 });
    const before = speakeasy.hotp({ secret: SEED, encoding: 'base32', counter: -1 });
    if (before !== code0) expect(verifyTotp({ secretBase32: SEED, code: before, now: at(0) })).toBeNull();
    expect(verifyTotp({ secretBase32: SEED, code: code0, now: at(0), afterStep: null })).toEqual({ step: 0 });
  });

  it('a code that is a number, not a string, is refused', () => {
    const now = at(1111111111);
    const code = generateTotp({ secretBase32: SEED, now });
    expect(verifyTotp({ secretBase32: SEED, code: Number(`1${code.slice(1)}`) as unknown as string, now })).toBeNull();
    expect(verifyTotp({ secretBase32: SEED, code: 123456 as unknown as string, now })).toBeNull();
  });
});

describe('base32 and otpauth edges', () => {
  it('no length that cannot end on a byte decodes, even all zero bits', () => {
    for (const text of ['A', 'AAA', 'AAAAAA', 'AAAAAAAAA']) expect([text, base32DecodeOrNull(text)]).toEqual([text, null]);
    expect(base32DecodeOrNull('AA')).toEqual(Buffer.from([0]));
    expect(base32DecodeOrNull(42 as unknown as string)).toBeNull();
    expect(() => base32Decode('A')).toThrow('Not valid unpadded RFC 4648 base32');
  });

  it('the URI needs a string issuer and account, and a real secret', () => {
    const secretBase32 = 'MZXW6YTBOI';
    expect(() => buildOtpauthUri({ issuer: undefined as unknown as string, accountName: 'a', secretBase32 })).toThrow('issuer must be a non-empty string');
    expect(() => buildOtpauthUri({ issuer: '', accountName: 'a', secretBase32 })).toThrow('issuer must be a non-empty string');
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: 7 as unknown as string, secretBase32 })).toThrow('accountName must be a non-empty string');
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: '', secretBase32 })).toThrow('accountName must be a non-empty string');
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: 'a', secretBase32: '' })).toThrow('secretBase32 must be non-empty unpadded base32');
  });
});
