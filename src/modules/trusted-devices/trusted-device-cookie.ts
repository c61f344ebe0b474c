import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';

/** Cookie that carries the trusted-device token (set by verifyTwoFactor). */
export const TRUSTED_DEVICE_COOKIE = 'twofold_td';

/** Sets the trusted-device cookie: HttpOnly, SameSite=Lax, Secure unless development over plain http. */
export function setTrustedDeviceCookie(req: Request, res: Response, config: AppConfig, token: string, expiresAt: Date): void {
  res.cookie(TRUSTED_DEVICE_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: !(config.isDevelopment && !req.secure),
    path: '/',
    expires: expiresAt,
  });
}

/** Removes the trusted-device cookie (same attributes, so the browser matches it). */
export function clearTrustedDeviceCookie(req: Request, res: Response, config: AppConfig): void {
  res.clearCookie(TRUSTED_DEVICE_COOKIE, { httpOnly: true, sameSite: 'lax', secure: !(config.isDevelopment && !req.secure), path: '/' });
}

/** The trusted-device token this browser sent, if any. */
export function trustedDeviceCookieOf(req: Request): string | null {
  const cookie: unknown = req.cookies?.[TRUSTED_DEVICE_COOKIE];
  return typeof cookie === 'string' ? cookie : null;
}
