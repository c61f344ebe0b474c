import { describe, expect, it } from 'vitest';
import { normalizeSixDigitCode } from './six-digit-code';

describe('normalizeSixDigitCode', () => {
  it('keeps six ASCII digits and drops spaces', () => {
    expect(normalizeSixDigitCode('012345')).toBe('012345');
    expect(normalizeSixDigitCode(' 123 456 ')).toBe('123456');
  });

  it('refuses anything else', () => {
    for (const bad of ['12345', '1234567', '12345a', '１２３４５６', '-12345', '+123456', '', '12345\n', '123.456']) {
      expect(normalizeSixDigitCode(bad), bad).toBeNull();
    }
  });
});
