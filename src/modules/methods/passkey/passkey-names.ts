import { deviceBindingOf } from '../../trusted-devices/device-binding';

/**
 * Well-known authenticator models by AAGUID (from the community list of
 * passkey providers and the vendors' metadata), for a passkey's default
 * name. An unknown model is named after the browser instead.
 */
export const KNOWN_AUTHENTICATORS: Readonly<Record<string, string>> = {
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  '53414d53-554e-4700-0000-000000000000': 'Samsung Pass',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
  '531126d6-e717-415c-9320-3d9aa6981239': 'Dashlane',
  'b84e4048-15dc-4dd0-8640-f4f60813c8af': 'NordPass',
  '0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6': 'Keeper',
  'cb69481e-8ff7-4039-93ec-0a2729a154a8': 'YubiKey 5',
  'ee882879-721c-4913-9775-3dfcce97072a': 'YubiKey 5',
  'fa2b99dc-9e39-4257-8f92-4a30d23c4118': 'YubiKey 5 NFC',
  '2fc0579f-8113-47ea-b116-bb5a8db9202a': 'YubiKey 5 NFC',
  'c5ef55ff-ad9a-4b9f-b580-adebafe026d0': 'YubiKey 5Ci',
  '42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3': 'Google Titan Security Key',
};

export const MAX_PASSKEY_NAME = 64;

/** A name the user gave, trimmed and on one line; null when empty. BAD_USER_INPUT is the caller's when too long. */
export function cleanPasskeyName(name: string | null | undefined): string | null {
  const cleaned = (name ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

/** 'YubiKey 5' from the AAGUID, else 'Passkey on Chrome' from the browser that registered it. */
export function defaultPasskeyName(aaguid: string, userAgent: string | null | undefined): string {
  const known = KNOWN_AUTHENTICATORS[aaguid.toLowerCase()];
  if (known) return known;
  if (!userAgent) return 'Passkey';
  return `Passkey on ${deviceBindingOf(userAgent).browser}`.slice(0, MAX_PASSKEY_NAME);
}
