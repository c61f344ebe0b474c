import { describe, expect, it } from 'vitest';
import { keyPair, SoftwareAuthenticator } from '../../../../test/support/software-authenticator';
import { newChallenge, userHandleOf, WebAuthnProtocol } from './webauthn-protocol';

const RP = { rpId: 'cx.example.com', origins: ['https://cx.example.com'], rpName: 'CX' };
const USER = '6f1c2d3e-0000-4000-8000-000000000001';
const protocol = new WebAuthnProtocol(RP);

function authenticator(algorithm: 'ES256' | 'RS256' | 'EdDSA' = 'ES256', aaguid?: string) {
  return new SoftwareAuthenticator({ origin: 'https://cx.example.com', rpId: RP.rpId, algorithm, aaguid });
}

async function registrationOptions(challenge = newChallenge(), exclude: Array<{ credentialId: string; publicKey: string; transports: string | null }> = []) {
  return protocol.registrationOptions({ userId: USER, userName: 'agent@example.com', displayName: 'Agent', challenge, exclude });
}

/** A registered passkey (as stored) and the authenticator that holds it. */
async function registered(algorithm: 'ES256' | 'RS256' | 'EdDSA' = 'ES256') {
  const device = authenticator(algorithm);
  const challenge = newChallenge();
  const facts = await protocol.verifyRegistration(device.create(await registrationOptions(challenge)), challenge);
  if (!facts) throw new Error('registration failed');
  return { device, stored: { credentialId: facts.credentialId, publicKey: facts.publicKey, transports: facts.transports } };
}

describe('WebAuthnProtocol: registration', () => {
  it('offers ES256, RS256 and EdDSA, asks no attestation, prefers a resident key, lists the passkeys to exclude', async () => {
    const options = await registrationOptions('Y2hhbGxlbmdl', [{ credentialId: 'AAAA', publicKey: 'x', transports: 'usb,nfc' }]);
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual(expect.arrayContaining([-7, -257, -8]));
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred' });
    expect(options.excludeCredentials).toEqual([{ id: 'AAAA', type: 'public-key', transports: ['usb', 'nfc'] }]);
    expect(options.rp).toEqual({ id: 'cx.example.com', name: 'CX' });
    expect(options.user.id).toBe(userHandleOf(USER));
    expect(options.challenge).toBe('Y2hhbGxlbmdl');
    expect(options.timeout).toBe(300_000);
  });

  it.each(['ES256', 'RS256', 'EdDSA'] as const)('verifies a %s registration and tells what to store', async (algorithm) => {
    const device = authenticator(algorithm, 'cb69481e-8ff7-4039-93ec-0a2729a154a8');
    const challenge = newChallenge();
    const response = device.create(await registrationOptions(challenge));
    const facts = await protocol.verifyRegistration(response, challenge);
    expect(facts).toMatchObject({
      credentialId: response.id,
      signCount: 1,
      transports: 'internal',
      aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
      backupEligible: false,
      userVerified: true,
      discoverable: true,
    });
  });

  it('refuses a registration from another origin, for another RP ID, without user presence, or for another challenge', async () => {
    const challenge = newChallenge();
    const options = await registrationOptions(challenge);
    expect(await protocol.verifyRegistration(authenticator().create(options, { origin: 'https://phish.example.net' }), challenge)).toBeNull();
    expect(await protocol.verifyRegistration(authenticator().create(options, { rpId: 'example.net' }), challenge)).toBeNull();
    expect(await protocol.verifyRegistration(authenticator().create(options, { userPresent: false }), challenge)).toBeNull();
    expect(await protocol.verifyRegistration(authenticator().create(options, { type: 'webauthn.get' }), challenge)).toBeNull();
    expect(await protocol.verifyRegistration(authenticator().create(options), newChallenge())).toBeNull();
    // The same authenticator, untampered, passes: the refusals above are the tampering's.
    expect(await protocol.verifyRegistration(authenticator().create(options), challenge)).not.toBeNull();
  });
});

describe('WebAuthnProtocol: assertions', () => {
  it('second factor: allowCredentials lists the passkeys; passwordless: none, and user verification required', async () => {
    const { stored } = await registered();
    const second = await protocol.authenticationOptions({ challenge: 'Y2g', allow: [stored] });
    expect(second).toMatchObject({ rpId: RP.rpId, challenge: 'Y2g', userVerification: 'preferred', allowCredentials: [{ id: stored.credentialId, type: 'public-key' }] });
    const passwordless = await protocol.authenticationOptions({ challenge: 'Y2g', allow: null });
    expect(passwordless.userVerification).toBe('required');
    expect(passwordless.allowCredentials ?? []).toEqual([]);
  });

  it.each(['ES256', 'RS256', 'EdDSA'] as const)('verifies a %s assertion and reports its counter', async (algorithm) => {
    const { device, stored } = await registered(algorithm);
    const challenge = newChallenge();
    const response = device.get(await protocol.authenticationOptions({ challenge, allow: [stored] }));
    expect(await protocol.verifyAssertion(response, challenge, stored, true)).toEqual({ signCount: 2, userVerified: true, backedUp: false });
  });

  it('refuses the tampered ones: another origin, another RP ID, no user presence, a foreign key, no user verification when required', async () => {
    const { device, stored } = await registered();
    const challenge = newChallenge();
    const options = await protocol.authenticationOptions({ challenge, allow: [stored] });
    const check = (ceremony: Parameters<SoftwareAuthenticator['get']>[1], requireUserVerification = false) =>
      protocol.verifyAssertion(device.get(options, ceremony), challenge, stored, requireUserVerification);
    expect(await check({ origin: 'https://phish.example.net' })).toBeNull();
    expect(await check({ rpId: 'example.net' })).toBeNull();
    expect(await check({ userPresent: false })).toBeNull();
    expect(await check({ signWith: keyPair('ES256').privateKey })).toBeNull();
    expect(await check({ userVerified: false }, true)).toBeNull();
    expect(await check({ challenge: newChallenge() })).toBeNull();
    // Without the tampering each passes (UV not required for a second factor).
    expect(await check({ userVerified: false })).not.toBeNull();
    expect(await check({})).not.toBeNull();
  });
});
