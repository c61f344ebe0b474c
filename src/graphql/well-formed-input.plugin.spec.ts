import { describe, expect, it } from 'vitest';
import { findIllFormedString } from './well-formed-input.plugin';

describe('findIllFormedString', () => {
  it('finds a lone surrogate anywhere in the variables and names where', () => {
    expect(findIllFormedString({ input: { email: 'a\ud800b' } })).toBe('variables.input.email');
    expect(findIllFormedString({ list: ['ok', '\udfff'] })).toBe('variables.list[1]');
  });

  it('accepts every well-formed string, emoji and NUL included', () => {
    expect(findIllFormedString({ a: '😀', b: 'naïve', c: '１２３', d: 'a\u0000b', e: [1, null, true] })).toBeNull();
  });
});
