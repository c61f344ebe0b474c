import { describe, expect, it } from 'vitest';
import { minutesInWords, numberWord, tryAgainIn } from './duration-words';

describe('duration words', () => {
  it('spells the minutes of the warning', () => {
    expect(tryAgainIn(5)).toBe('Please try again in five minutes.');
    expect(tryAgainIn(1)).toBe('Please try again in one minute.');
    expect(minutesInWords(30)).toBe('thirty minutes');
    expect(minutesInWords(45)).toBe('forty-five minutes');
    expect(numberWord(13)).toBe('thirteen');
    expect(numberWord(120)).toBe('120');
  });
});
