import { describe, expect, it } from 'vitest';
import { base32Decode, base32DecodeOrNull, base32Encode } from './index';

describe('base32', () => {
  it('matches the RFC 4648 §10 test vectors, without padding', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
    }
    expect(base32Encode(Buffer.from('12345678901234567890'))).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('round-trips every byte value', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
  });

  it('accepts lower case', () => {
    expect(base32Decode('mzxw6ytboi').toString()).toBe('foobar');
  });

  it('refuses what speakeasy would quietly reinterpret', () => {
    for (const bad of ['MZXW6YTBO1', 'MZXW6YTB0I', 'MZXW6===', 'MZX W6', 'MZXW6YTBOJ', 'M', 'MZX', 'MZXW6Y']) {
      expect(base32DecodeOrNull(bad)).toBeNull();
    }
    expect(() => base32Decode('A1')).toThrow(TypeError);
  });
});
