import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/** A browser's credential.toJSON(), checked for shape, with the challenge it answers (from clientDataJSON). */
export interface ParsedCredential<T> {
  json: T;
  /** base64url, as the server issued it. */
  challenge: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Credential ids are at most 1023 bytes; nothing here is bigger than a few kilobytes. */
const MAX_ID = 1400;
const MAX_FIELD = 16_384;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function b64(value: unknown, max = MAX_FIELD): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && BASE64URL.test(value);
}

/** The challenge of clientDataJSON (base64url JSON), or null. */
function challengeOf(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    return isRecord(data) && b64(data.challenge, 128) ? data.challenge : null;
  } catch {
    return null;
  }
}

/** The common part of both forms: id, rawId, type and clientDataJSON. */
function parseCommon(input: unknown): { credential: Record<string, unknown>; response: Record<string, unknown>; challenge: string } | null {
  if (!isRecord(input) || !isRecord(input.response)) return null;
  if (!b64(input.id, MAX_ID) || input.rawId !== input.id || input.type !== 'public-key') return null;
  if (input.clientExtensionResults !== undefined && !isRecord(input.clientExtensionResults)) return null;
  const response = input.response;
  if (!b64(response.clientDataJSON)) return null;
  const challenge = challengeOf(response.clientDataJSON);
  return challenge ? { credential: input, response, challenge } : null;
}

/** navigator.credentials.create()'s credential.toJSON() (RegistrationResponseJSON), or null. */
export function parseRegistration(input: unknown): ParsedCredential<RegistrationResponseJSON> | null {
  const common = parseCommon(input);
  if (!common || !b64(common.response.attestationObject)) return null;
  const transports = common.response.transports;
  if (transports !== undefined && !(Array.isArray(transports) && transports.length <= 8 && transports.every((t) => typeof t === 'string'))) return null;
  return { json: { clientExtensionResults: {}, ...common.credential } as unknown as RegistrationResponseJSON, challenge: common.challenge };
}

/** navigator.credentials.get()'s credential.toJSON() (AuthenticationResponseJSON), or null. */
export function parseAssertion(input: unknown): ParsedCredential<AuthenticationResponseJSON> | null {
  const common = parseCommon(input);
  if (!common || !b64(common.response.authenticatorData) || !b64(common.response.signature)) return null;
  const userHandle = common.response.userHandle;
  if (userHandle !== undefined && userHandle !== null && !b64(userHandle, 128)) return null;
  return { json: { clientExtensionResults: {}, ...common.credential } as unknown as AuthenticationResponseJSON, challenge: common.challenge };
}
