import QRCode from 'qrcode';
import { base32DecodeOrNull, base32Encode } from './base32';

export interface OtpauthUriOptions {
  issuer: string;
  accountName: string;
  secretBase32: string;
}

/**
 * Key URI for authenticator apps (Google's Key Uri Format). Built by hand:
 * speakeasy's otpauthURL leaves spaces raw, which some scanners reject.
 * Parameters match what verifyTotp checks: SHA-1, 6 digits, 30 s.
 */
export function buildOtpauthUri({ issuer, accountName, secretBase32 }: OtpauthUriOptions): string {
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer must be a non-empty string');
  if (typeof accountName !== 'string' || accountName === '') throw new TypeError('accountName must be a non-empty string');
  const bytes = base32DecodeOrNull(secretBase32);
  if (!bytes || bytes.length === 0) throw new TypeError('secretBase32 must be non-empty unpadded base32');
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const secret = base32Encode(bytes); // canonical upper case
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}

/** `data:image/png;base64,...` QR code of `text`, medium error correction. */
export function renderQrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M' });
}
