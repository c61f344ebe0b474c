import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';

/** Cookie that carries the trusted-device token (set by verifyTwoFactor). */
export const TRUSTED_DEVICE_COOKIE = 'twofold_td';

/** HttpOnly, SameSite=Lax, Secure unless development over plain http: the same when set and when cleared, so the browser matches them. */
function cookieAttributes(req: Request, config: AppConfig) {
  return { httpOnly: true, sameSite: 'lax', secure: !(config.isDevelopment && !req.secure), path: '/' } as const;
}

/** Sets the trusted-device cookie until the device's trust runs out. */
export function setTrustedDeviceCookie(req: Request, res: Response, config: AppConfig, token: string, expiresAt: Date): void {
  res.cookie(TRUSTED_DEVICE_COOKIE, token, { ...cookieAttributes(req, config), expires: expiresAt });
}

/** Removes the trusted-device cookie. */
export function clearTrustedDeviceCookie(req: Request, res: Response, config: AppConfig): void {
  res.clearCookie(TRUSTED_DEVICE_COOKIE, cookieAttributes(req, config));
}

/** The trusted-device token this browser sent, if any. */
export function trustedDeviceCookieOf(req: Request): string | null {
  const cookie: unknown = req.cookies?.[TRUSTED_DEVICE_COOKIE];
  return typeof cookie === 'string' ? cookie : null;
}
