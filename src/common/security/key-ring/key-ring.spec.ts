import { addDays } from '@app/clock';
import { hashingKeyFromSecret, newHashingKey } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FIRST_KEY, OpenedRingRow, planKeyRing, RETIRED_KEY_MIN_DAYS, retiredKeysToDrop, RingRow } from './key-ring';

const T0 = new Date('2026-11-01T00:00:00.000Z');

function legacy(overrides: Partial<OpenedRingRow> = {}): OpenedRingRow {
  const key = hashingKeyFromSecret(randomBytes(32));
  return { id: key.id, tagged: false, createdAt: T0, retiredAt: null, succeeds: FIRST_KEY, key, sealedUnderCurrentSecret: true, ...overrides };
}

function tagged(overrides: Partial<OpenedRingRow> = {}): OpenedRingRow {
  const key = newHashingKey();
  return { id: key.id, tagged: true, createdAt: T0, retiredAt: null, succeeds: 'x', key, sealedUnderCurrentSecret: true, ...overrides };
}

describe('key ring: what an instance does with the ring it finds', () => {
  it('creates it when there is none', () => {
    expect(planKeyRing([])).toEqual({ action: 'create' });
  });

  it('uses it as it is when the current key is sealed under the current APP_SECRET', () => {
    const current = legacy();
    const previous = legacy({ retiredAt: T0, succeeds: null });
    const plan = planKeyRing([current, previous]);
    expect(plan).toMatchObject({ action: 'use', current: current.key, verifyOnly: [previous.key], reseal: [], unreadable: [] });
  });

  it('rotates when APP_SECRET changed: the current key is sealed under a previous secret, or no secret given opens it', () => {
    const current = legacy({ sealedUnderCurrentSecret: false });
    expect(planKeyRing([current])).toEqual({ action: 'rotate', retire: current.id, succeeds: current.id });
    const lost = legacy({ key: null, sealedUnderCurrentSecret: false });
    expect(planKeyRing([lost])).toEqual({ action: 'rotate', retire: lost.id, succeeds: lost.id });
  });

  it('after the rotation: the new key is current, the older ones verify, those still sealed under the previous secret are sealed again', () => {
    const old = legacy({ retiredAt: T0, sealedUnderCurrentSecret: false });
    const gone = tagged({ retiredAt: T0, key: null, sealedUnderCurrentSecret: false, createdAt: addDays(T0, -10) });
    const current = tagged({ succeeds: old.id, createdAt: addDays(T0, 1) });
    const plan = planKeyRing([old, gone, current]);
    expect(plan).toMatchObject({ action: 'use', current: current.key, verifyOnly: [old.key], reseal: [old], unreadable: [gone.id] });
  });

  it('instances that find the same ring name the same predecessor, so the unique index lets one rotation win', () => {
    const a = legacy({ sealedUnderCurrentSecret: false });
    const b = legacy({ retiredAt: T0, succeeds: null });
    const plans = [planKeyRing([a, b]), planKeyRing([b, a])];
    expect(plans[0]).toEqual(plans[1]);
    // No current key at all (deleted by hand): the newest row is named, still the same for everyone.
    const older = tagged({ retiredAt: T0, createdAt: addDays(T0, -1) });
    const newer = tagged({ retiredAt: T0 });
    expect(planKeyRing([older, newer])).toEqual({ action: 'rotate', retire: null, succeeds: newer.id });
    expect(planKeyRing([newer, older])).toEqual({ action: 'rotate', retire: null, succeeds: newer.id });
  });
});

describe('key ring: which retired keys go', () => {
  const now = addDays(T0, 30);
  const row = (overrides: Partial<RingRow>): RingRow => ({ id: 'x', tagged: true, createdAt: T0, retiredAt: null, succeeds: null, ...overrides });
  const nothingAlive = { untaggedAlive: false, taggedAlive: new Set<string>() };

  it('a retired tagged key goes once no live row names it, never the current one, never within a day of its retirement', () => {
    const current = row({ id: 'cccccccc' });
    const idle = row({ id: 'aaaaaaaa', retiredAt: T0 });
    const used = row({ id: 'bbbbbbbb', retiredAt: T0 });
    const fresh = row({ id: 'dddddddd', retiredAt: addDays(now, -RETIRED_KEY_MIN_DAYS + 0.01) });
    const rows = [current, idle, used, fresh];
    expect(retiredKeysToDrop(rows, { untaggedAlive: true, taggedAlive: new Set(['bbbbbbbb', 'cccccccc']) }, now)).toEqual(['aaaaaaaa']);
    expect(retiredKeysToDrop(rows, nothingAlive, now)).toEqual(['aaaaaaaa', 'bbbbbbbb']);
    expect(retiredKeysToDrop(rows, nothingAlive, addDays(now, 1))).toEqual(['aaaaaaaa', 'bbbbbbbb', 'dddddddd']);
  });

  it('untagged keys go once no live row is untagged, which can be told only while the current key is tagged', () => {
    const legacyKey = row({ id: 'secret-1', tagged: false, retiredAt: T0 });
    const previous = row({ id: 'secret-2', tagged: false, retiredAt: T0 });
    const taggedCurrent = row({ id: 'cccccccc' });
    expect(retiredKeysToDrop([legacyKey, previous, taggedCurrent], { untaggedAlive: true, taggedAlive: new Set() }, now)).toEqual([]);
    expect(retiredKeysToDrop([legacyKey, previous, taggedCurrent], nothingAlive, now)).toEqual(['secret-1', 'secret-2']);
    // The ring as created with APP_SECRET_PREVIOUS: its current key makes untagged digests too.
    const untaggedCurrent = row({ id: 'secret-0', tagged: false });
    expect(retiredKeysToDrop([untaggedCurrent, previous], nothingAlive, now)).toEqual([]);
  });
});
