import { UAParser } from 'ua-parser-js';

/** What a trusted device is bound to: the browser and the system, as read from the User-Agent. */
export interface DeviceBinding {
  /** Browser family, e.g. 'Chrome' (no version: an update is not a new browser). */
  browser: string;
  /** Operating system family, e.g. 'Windows' (no version). */
  system: string;
  /** For people: 'Chrome on Windows'. */
  label: string;
}

const MAX = 64;

/** The first product token of a User-Agent that no parser knows, e.g. 'curl' for 'curl/8.4.0'. */
function productOf(userAgent: string): string | null {
  const product = userAgent.trim().split(/[\s/;(]/, 1)[0];
  return product ? product.slice(0, MAX) : null;
}

/**
 * Reads the browser and system families from a User-Agent. A changed major
 * version keeps the binding; another browser or another system breaks it
 * ("Two-Factor Authentication might still be required if your system
 * environment changes").
 */
export function deviceBindingOf(userAgent: string | null | undefined): DeviceBinding {
  const agent = userAgent ?? '';
  const parser = new UAParser(agent);
  const browserName = parser.getBrowser().name?.trim();
  const systemName = parser.getOS().name?.trim();
  const browser = (browserName || productOf(agent) || 'Unknown browser').slice(0, MAX);
  const system = (systemName || 'unknown system').slice(0, MAX);
  return { browser, system, label: `${browser} on ${system}` };
}

/** Same browser family and same system family (case-insensitive). */
export function sameDevice(a: Pick<DeviceBinding, 'browser' | 'system'>, b: Pick<DeviceBinding, 'browser' | 'system'>): boolean {
  return a.browser.toLowerCase() === b.browser.toLowerCase() && a.system.toLowerCase() === b.system.toLowerCase();
}
