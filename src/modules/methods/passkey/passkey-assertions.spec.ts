import { ManualClock } from '@app/clock';
import { describe, expect, it } from 'vitest';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator';
import { AppConfig } from '../../../config/app-config';
import { DomainEvent } from '../../events/domain-events';
import { EventBus } from '../../events/event-bus';
import { PasskeyEntity } from './entities/passkey.entity';
import { PASSKEY_CLONE_SUSPECTED, PasskeyAssertions } from './passkey-assertions.service';
import { parseAssertion } from './passkey-credential';
import { PasskeysService, PasskeyUse } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { ChallengeBinding, WebAuthnChallenges } from './webauthn-challenges.service';
import { newChallenge } from './webauthn-protocol';

const RP = { rpId: 'localhost', origins: ['http://localhost:3000'], rpName: 'Twofold' };
const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-000000000b0b';
const relyingParty = new RelyingParty({ webauthn: RP } as AppConfig);

/** The challenge table and the passkey table, in memory, with the same single-use and counter rules. */
function world() {
  const challenges = new Map<string, ChallengeBinding>();
  const passkeys = new Map<string, PasskeyEntity>();
  const events: DomainEvent[] = [];
  const challengeStore = {
    async consume(challenge: string, binding: ChallengeBinding) {
      const issued = challenges.get(challenge);
      const matches = issued && Object.entries(binding).every(([k, v]) => (issued as unknown as Record<string, unknown>)[k] === v);
      if (matches) challenges.delete(challenge);
      return Boolean(matches);
    },
  };
  const passkeyStore = {
    async findByCredentialId(id: string) {
      return [...passkeys.values()].find((p) => p.credentialId === id) ?? null;
    },
    async recordUse(use: PasskeyUse) {
      const row = passkeys.get(use.id)!;
      if (!(row.signCount < use.signCount || (row.signCount === 0 && use.signCount === 0))) return false;
      Object.assign(row, { signCount: use.signCount, lastUsedAt: use.now });
      return true;
    },
  };
  const assertions = new PasskeyAssertions(
    relyingParty,
    challengeStore as unknown as WebAuthnChallenges,
    passkeyStore as unknown as PasskeysService,
    { publish: async (event: DomainEvent) => void events.push(event) } as unknown as EventBus,
    new ManualClock(Date.now()),
  );
  return { challenges, passkeys, events, assertions };
}

/** Registers a passkey of `userId` on a new software authenticator, stored as the enrollment would. */
async function enroll(w: ReturnType<typeof world>, userId: string, counts = true) {
  const device = new SoftwareAuthenticator({ origin: RP.origins[0], rpId: RP.rpId, counts });
  const challenge = newChallenge();
  const options = await relyingParty.protocol().registrationOptions({ userId, userName: 'u@example.com', displayName: 'u', challenge, exclude: [] });
  const facts = (await relyingParty.protocol().verifyRegistration(device.create(options), challenge))!;
  const passkey = { id: `pk-${w.passkeys.size}`, userId, name: 'Key', ...facts, createdAt: new Date(), lastUsedAt: null } as unknown as PasskeyEntity;
  w.passkeys.set(passkey.id, passkey);
  return { device, passkey };
}

/** A second-factor challenge for the pending session `s1` of the user, and its options. */
async function secondFactorOptions(w: ReturnType<typeof world>, userId: string) {
  const challenge = newChallenge();
  w.challenges.set(challenge, { purpose: 'second-factor', sessionId: 's1', userId });
  const allow = [...w.passkeys.values()].filter((p) => p.userId === userId);
  return relyingParty.protocol().authenticationOptions({ challenge, allow });
}

function check(w: ReturnType<typeof world>, response: unknown, userId = ALICE) {
  return w.assertions.check({
    parsed: parseAssertion(response)!,
    binding: { purpose: 'second-factor', sessionId: 's1', userId },
    userId,
    passwordless: false,
    client: null,
  });
}

describe('PasskeyAssertions', () => {
  it('accepts a valid assertion once: the same response again (a replayed challenge) is refused', async () => {
    const w = world();
    const { device, passkey } = await enroll(w, ALICE);
    const response = device.get(await secondFactorOptions(w, ALICE));
    expect(await check(w, response)).toMatchObject({ status: 'accepted', passkey: { id: passkey.id, signCount: 2 } });
    expect(await check(w, response)).toEqual({ status: 'refused', userId: null });
    expect(w.events).toEqual([]);
  });

  it("refuses another user's passkey for this user's challenge (a foreign key)", async () => {
    const w = world();
    await enroll(w, ALICE);
    const bob = await enroll(w, BOB);
    const options = await secondFactorOptions(w, ALICE);
    const response = bob.device.get({ ...options, allowCredentials: [] });
    expect(await check(w, response)).toEqual({ status: 'refused', userId: ALICE });
  });

  it('refuses a counter that does not move forward and records a possible clone; a counterless authenticator passes', async () => {
    const w = world();
    const { device, passkey } = await enroll(w, ALICE);
    expect(await check(w, device.get(await secondFactorOptions(w, ALICE), { counter: 7 }))).toMatchObject({ status: 'accepted' });
    // A copy of the key, still at counter 5, signs validly but its counter went backwards.
    expect(await check(w, device.get(await secondFactorOptions(w, ALICE), { counter: 5 }))).toEqual({ status: 'refused', userId: ALICE });
    expect(await check(w, device.get(await secondFactorOptions(w, ALICE), { counter: 7 }))).toMatchObject({ status: 'refused' });
    expect(w.events.map((e) => e.type)).toEqual([PASSKEY_CLONE_SUSPECTED, PASSKEY_CLONE_SUSPECTED]);
    expect(w.events[0]).toMatchObject({ userId: ALICE, details: { passkeyId: passkey.id, storedCount: 7, receivedCount: 5 } });
    expect(w.passkeys.get(passkey.id)!.signCount).toBe(7);

    const counterless = await enroll(w, ALICE, false);
    const options = await secondFactorOptions(w, ALICE);
    expect(await check(w, counterless.device.get({ ...options, allowCredentials: [] }, { credentialId: counterless.passkey.credentialId }))).toMatchObject({ status: 'accepted' });
  });

  it('passwordless: the user handle must be the passkey owner\'s, and the user verified', async () => {
    const w = world();
    const { device } = await enroll(w, ALICE);
    const attempt = async (ceremony: Parameters<SoftwareAuthenticator['get']>[1]) => {
      const challenge = newChallenge();
      w.challenges.set(challenge, { purpose: 'passwordless', id: 'c1' });
      const options = await relyingParty.protocol().authenticationOptions({ challenge, allow: null });
      const parsed = parseAssertion(device.get(options, ceremony))!;
      return w.assertions.check({ parsed, binding: { purpose: 'passwordless', id: 'c1' }, passwordless: true, client: null });
    };
    expect(await attempt({ userHandle: Buffer.from(BOB).toString('base64url') })).toEqual({ status: 'refused', userId: ALICE });
    expect(await attempt({ userHandle: null })).toEqual({ status: 'refused', userId: ALICE });
    expect(await attempt({ userVerified: false })).toEqual({ status: 'refused', userId: ALICE });
    expect(await attempt({})).toMatchObject({ status: 'accepted', passkey: { userId: ALICE } });
  });

  it('a challenge issued for another session or purpose answers nothing', async () => {
    const w = world();
    const { device } = await enroll(w, ALICE);
    const challenge = newChallenge();
    w.challenges.set(challenge, { purpose: 'second-factor', sessionId: 'another-session', userId: ALICE });
    const options = await relyingParty.protocol().authenticationOptions({ challenge, allow: [...w.passkeys.values()] });
    expect(await check(w, device.get(options))).toEqual({ status: 'refused', userId: null });
  });
});
