import { describe, expect, it } from 'vitest';
import { parseAssertion, parseRegistration } from './passkey-credential';
import { cleanPasskeyName, defaultPasskeyName } from './passkey-names';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('passkey names', () => {
  it('come from a well-known AAGUID, else the browser', () => {
    expect(defaultPasskeyName('CB69481E-8FF7-4039-93EC-0A2729A154A8', CHROME)).toBe('YubiKey 5');
    expect(defaultPasskeyName('fbfc3007-154e-4ecc-8c0b-6e020557d7bd', null)).toBe('iCloud Keychain');
    expect(defaultPasskeyName('00000000-0000-0000-0000-000000000000', CHROME)).toBe('Passkey on Chrome');
    expect(defaultPasskeyName('00000000-0000-0000-0000-000000000000', null)).toBe('Passkey');
  });

  it('given by the user are trimmed onto one line; empty is none', () => {
    expect(cleanPasskeyName('  Work\n key \t ')).toBe('Work key');
    expect(cleanPasskeyName('   ')).toBeNull();
    expect(cleanPasskeyName(null)).toBeNull();
  });
});

describe('credential.toJSON() shapes', () => {
  const clientData = (challenge: unknown) => Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: 'http://localhost:3000' })).toString('base64url');
  const assertion = (overrides: Record<string, unknown> = {}, response: Record<string, unknown> = {}) => ({
    id: 'AbC_-1',
    rawId: 'AbC_-1',
    type: 'public-key',
    response: { clientDataJSON: clientData('Y2hhbGxlbmdl'), authenticatorData: 'AAAA', signature: 'BBBB', ...response },
    clientExtensionResults: {},
    ...overrides,
  });

  it('an assertion, with the challenge it answers', () => {
    expect(parseAssertion(assertion())).toMatchObject({ challenge: 'Y2hhbGxlbmdl', json: { id: 'AbC_-1' } });
    expect(parseRegistration(assertion())).toBeNull();
  });

  it('refuses what is not one: other types, ids that differ, no challenge, not base64url, too long', () => {
    for (const bad of [
      null,
      'text',
      [assertion()],
      assertion({ type: 'password' }),
      assertion({ rawId: 'other' }),
      assertion({ id: 'a+b/c', rawId: 'a+b/c' }),
      assertion({ id: 'x'.repeat(1401), rawId: 'x'.repeat(1401) }),
      assertion({}, { clientDataJSON: clientData(42) }),
      assertion({}, { clientDataJSON: 'bm90IGpzb24' }),
      assertion({}, { signature: undefined }),
      assertion({}, { userHandle: 7 }),
      assertion({ clientExtensionResults: 'x' }),
    ]) {
      expect(parseAssertion(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('a registration', () => {
    const registration = { ...assertion(), response: { clientDataJSON: clientData('Y2g'), attestationObject: 'o2Nm', transports: ['usb'] } };
    expect(parseRegistration(registration)).toMatchObject({ challenge: 'Y2g' });
    expect(parseRegistration({ ...registration, response: { ...registration.response, transports: 'usb' } })).toBeNull();
  });
});
