import { describe, expect, it } from 'vitest';
import { deviceBindingOf, sameDevice } from './device-binding';

const CHROME_120_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROME_131_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CHROME_120_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('deviceBindingOf', () => {
  it('labels browser and system without versions', () => {
    expect(deviceBindingOf(CHROME_120_WINDOWS)).toEqual({ browser: 'Chrome', system: 'Windows', label: 'Chrome on Windows' });
    expect(deviceBindingOf(FIREFOX_WINDOWS).label).toBe('Firefox on Windows');
  });

  it('a new major version is the same device; another browser or system is not', () => {
    expect(sameDevice(deviceBindingOf(CHROME_120_WINDOWS), deviceBindingOf(CHROME_131_WINDOWS))).toBe(true);
    expect(sameDevice(deviceBindingOf(CHROME_120_WINDOWS), deviceBindingOf(FIREFOX_WINDOWS))).toBe(false);
    expect(sameDevice(deviceBindingOf(CHROME_120_WINDOWS), deviceBindingOf(CHROME_120_MAC))).toBe(false);
  });

  it('falls back to the product token for agents no parser knows, and copes with none', () => {
    expect(deviceBindingOf('curl/8.4.0')).toMatchObject({ browser: 'curl', system: 'unknown system' });
    expect(sameDevice(deviceBindingOf('curl/8.4.0'), deviceBindingOf('curl/8.5.0'))).toBe(true);
    expect(sameDevice(deviceBindingOf('curl/8.4.0'), deviceBindingOf('python-requests/2.0'))).toBe(false);
    expect(deviceBindingOf(null).label).toBe('Unknown browser on unknown system');
    expect(deviceBindingOf('  curl/8.4.0')).toMatchObject({ browser: 'curl' });
    expect(deviceBindingOf('x'.repeat(600)).browser.length).toBeLessThanOrEqual(64);
  });
});
