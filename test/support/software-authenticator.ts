import { encodeCBOR } from '@levischuck/tiny-cbor';
import { createHash, generateKeyPairSync, JsonWebKey, KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A WebAuthn authenticator in software, for tests: makes key pairs with
 * node:crypto and builds clientDataJSON, authenticatorData, 'none'
 * attestations and assertions by hand (CBOR from @levischuck/tiny-cbor), so
 * a test can also build the tampered ones: another origin or RP ID, no user
 * presence, another key's signature, an old counter.
 */
export type Algorithm = 'ES256' | 'RS256' | 'EdDSA';

interface Credential {
  id: string;
  algorithm: Algorithm;
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
  counter: number;
  userHandle: string;
  rpId: string;
}

/** What the browser would put in, and what a test may change. */
export interface Ceremony {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  userPresent?: boolean;
  userVerified?: boolean;
  /** Sign with another key than the credential's (a foreign key). */
  signWith?: KeyObject;
  /** The counter to report (default: one more than last time; stays 0 for a counterless authenticator). */
  counter?: number;
  /** Which of the authenticator's credentials answers (default: the first allowed, or the first). */
  credentialId?: string;
  userHandle?: string | null;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export class SoftwareAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(
    private readonly defaults: { origin: string; rpId: string; aaguid?: string; algorithm?: Algorithm; counts?: boolean; backupEligible?: boolean },
  ) {}

  /** navigator.credentials.create(options) then credential.toJSON(). */
  create(options: any, ceremony: Ceremony = {}): any {
    const algorithm = this.defaults.algorithm ?? 'ES256';
    const offered: number[] = options.pubKeyCredParams.map((p: { alg: number }) => p.alg);
    if (!offered.includes(COSE_ALG[algorithm])) throw new Error(`${algorithm} was not offered`);
    const excluded = (options.excludeCredentials ?? []).map((c: { id: string }) => c.id);
    if (this.credentials.some((c) => excluded.includes(c.id))) throw new Error('InvalidStateError: already registered');
    const { privateKey, publicKey } = keyPair(algorithm);
    const credential: Credential = {
      id: b64url(randomBytes(32)),
      algorithm,
      privateKey,
      publicJwk: publicKey.export({ format: 'jwk' }),
      counter: this.defaults.counts === false ? 0 : 1,
      userHandle: options.user.id,
      rpId: options.rp.id,
    };
    this.credentials.push(credential);
    const rpId = ceremony.rpId ?? options.rp.id;
    const credentialId = Buffer.from(credential.id, 'base64url');
    const attested = Buffer.concat([
      aaguidBytes(this.defaults.aaguid),
      Buffer.from([credentialId.length >> 8, credentialId.length & 0xff]),
      credentialId,
      Buffer.from(encodeCBOR(coseKey(credential))),
    ]);
    const authData = authenticatorData(rpId, flags(ceremony, { attested: true, backupEligible: this.defaults.backupEligible }), credential.counter, attested);
    const clientData = clientDataJSON('webauthn.create', ceremony.challenge ?? options.challenge, ceremony.origin ?? this.defaults.origin, ceremony.type);
    const attestationObject = encodeCBOR(new Map<string, any>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]));
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: clientData, attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  /** navigator.credentials.get(options) then credential.toJSON(). */
  get(options: any, ceremony: Ceremony = {}): any {
    const allowed: string[] = (options.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const credential =
      this.credentials.find((c) => c.id === ceremony.credentialId) ??
      this.credentials.find((c) => allowed.length === 0 || allowed.includes(c.id));
    if (!credential) throw new Error('NotAllowedError: no credential for these options');
    if (ceremony.counter !== undefined) credential.counter = ceremony.counter;
    else if (credential.counter > 0) credential.counter += 1;
    const rpId = ceremony.rpId ?? options.rpId ?? credential.rpId;
    const authData = authenticatorData(rpId, flags(ceremony, { backupEligible: this.defaults.backupEligible }), credential.counter);
    const clientData = clientDataJSON('webauthn.get', ceremony.challenge ?? options.challenge, ceremony.origin ?? this.defaults.origin, ceremony.type);
    const signed = Buffer.concat([authData, sha256(Buffer.from(clientData, 'base64url'))]);
    const key = ceremony.signWith ?? credential.privateKey;
    const signature = sign(credential.algorithm === 'EdDSA' ? null : 'sha256', signed, key);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: clientData,
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: ceremony.userHandle === null ? undefined : (ceremony.userHandle ?? credential.userHandle),
      },
      clientExtensionResults: {},
    };
  }
}

/** A key pair of the algorithm, e.g. to sign with a key the server does not know. */
export function keyPair(algorithm: Algorithm = 'ES256'): { privateKey: KeyObject; publicKey: KeyObject } {
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (algorithm === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ed25519');
}

const COSE_ALG: Record<Algorithm, number> = { ES256: -7, RS256: -257, EdDSA: -8 };

function coseKey(credential: Credential): Map<number, number | Uint8Array> {
  const jwk = credential.publicJwk;
  const bytes = (value: string | undefined) => new Uint8Array(Buffer.from(value!, 'base64url'));
  if (credential.algorithm === 'ES256') {
    return new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, bytes(jwk.x)], [-3, bytes(jwk.y)]]);
  }
  if (credential.algorithm === 'RS256') return new Map<number, number | Uint8Array>([[1, 3], [3, -257], [-1, bytes(jwk.n)], [-2, bytes(jwk.e)]]);
  return new Map<number, number | Uint8Array>([[1, 1], [3, -8], [-1, 6], [-2, bytes(jwk.x)]]);
}

function aaguidBytes(aaguid = '00000000-0000-0000-0000-000000000000'): Buffer {
  return Buffer.from(aaguid.replace(/-/g, ''), 'hex');
}

function flags(ceremony: Ceremony, extra: { attested?: boolean; backupEligible?: boolean }): number {
  let value = 0;
  if (ceremony.userPresent !== false) value |= 0x01;
  if (ceremony.userVerified !== false) value |= 0x04;
  if (extra.backupEligible) value |= 0x08 | 0x10;
  if (extra.attested) value |= 0x40;
  return value;
}

function authenticatorData(rpId: string, flagByte: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flagByte]), count, ...(attested ? [attested] : [])]);
}

function clientDataJSON(type: string, challenge: string, origin: string, override?: string): string {
  return b64url(JSON.stringify({ type: override ?? type, challenge, origin, crossOrigin: false }));
}
