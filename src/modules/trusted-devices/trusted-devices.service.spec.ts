import { ManualClock } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase, recordingEvents } from '../../../test/support/memory-database';
import { ClientInfo } from '../../common/http/request-context';
import { DEFAULT_POLICY, TwoFactorFrequency, TwoFactorPolicy } from '../policy/policy.types';
import { RetiredDeviceTokenEntity } from './entities/retired-device-token.entity';
import { TrustedDeviceEntity } from './entities/trusted-device.entity';
import { DOUBLE_SUBMIT_GRACE_SECONDS, TrustedDevicesService } from './trusted-devices.service';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROME_WINDOWS_NEWER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * Trusted devices on the in-memory database: a token bound to the browser
 * and system, single use (rotated by a conditional UPDATE), its replaced
 * tokens kept so that a copy is noticed, the policy's days.
 */
describe('TrustedDevicesService', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  const DAY = 86_400_000;
  const chrome: ClientInfo = { ip: '203.0.113.7', userAgent: CHROME_WINDOWS };
  let source: DataSource;
  let devices: Repository<TrustedDeviceEntity>;
  let retired: Repository<RetiredDeviceTokenEntity>;
  let hasher: KeyedHasher;
  let clock: ManualClock;
  let policy: TwoFactorPolicy;
  let events: ReturnType<typeof recordingEvents>;
  let service: TrustedDevicesService;
  let user: string;
  let n = 0;
  const at = (ms: number) => new Date(START + ms);

  beforeAll(async () => {
    source = await memoryDatabase([TrustedDeviceEntity, RetiredDeviceTokenEntity]);
    devices = source.getRepository(TrustedDeviceEntity);
    retired = source.getRepository(RetiredDeviceTokenEntity);
    hasher = new KeyedHasher(randomBytes(32));
  });
  afterAll(() => source.destroy());
  /** The service over these tables and this test's policy, events and clock; another repository or hasher where a test needs one. */
  const serviceWith = (over: { devices?: Repository<TrustedDeviceEntity>; hasher?: KeyedHasher } = {}) =>
    new TrustedDevicesService(over.devices ?? devices, retired, over.hasher ?? hasher, { get: async () => policy } as never, events as never, clock);
  /** The devices repository, with `meanwhile` run right after each read: another request between the service's read and its write. */
  const changedAfterRead = (meanwhile: () => Promise<unknown>) =>
    new Proxy(devices, {
      get(target, key, receiver) {
        if (key !== 'findOneBy') return Reflect.get(target, key, receiver);
        return async (where: never) => {
          const found = await target.findOneBy(where);
          await meanwhile();
          return found;
        };
      },
    });

  beforeEach(() => {
    clock = new ManualClock(START);
    policy = { ...DEFAULT_POLICY, frequency: TwoFactorFrequency.TRUSTED_DEVICE, trustedDeviceDays: 90, updatedAt: new Date(0) };
    events = recordingEvents();
    service = serviceWith();
    user = `user-${++n}`;
  });

  const device = async () => (await devices.findOneBy({ userId: user }))!;
  const trust = (client = chrome, userId = user) => service.trust(userId, client);
  const redeem = (token: string, client = chrome, userId = user) => service.redeem(userId, token, client);

  it('remembers a device only when the policy\'s frequency is TRUSTED_DEVICE', () => {
    expect(TrustedDevicesService.rememberDeviceDays(policy)).toBe(90);
    expect(TrustedDevicesService.rememberDeviceDays({ ...policy, frequency: TwoFactorFrequency.EVERY_LOGIN })).toBeNull();
    expect(DOUBLE_SUBMIT_GRACE_SECONDS).toBe(30);
  });

  it('trusting a browser: a 256-bit token stored as its hash, bound to the browser and system, for the policy\'s days', async () => {
    const issued = await trust();
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(issued.expiresAt).toEqual(at(90 * DAY));
    const row = await device();
    expect(row).toMatchObject({
      tokenHash: hasher.tokenDigest(issued.token),
      browser: 'Chrome',
      system: 'Windows',
      label: 'Chrome on Windows',
      createdAt: at(0),
      expiresAt: at(90 * DAY),
      lastUsedAt: null,
    });
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.published).toEqual([
      {
        type: 'TRUSTED_DEVICE_ADDED',
        userId: user,
        actorId: undefined,
        client: chrome,
        details: { deviceId: row.id, label: 'Chrome on Windows', expiresAt: at(90 * DAY).toISOString() },
      },
    ]);
  });

  it('with EVERY_LOGIN a device cannot be remembered (rememberDevice is bad input)', async () => {
    policy.frequency = TwoFactorFrequency.EVERY_LOGIN;
    await expect(trust()).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'The security policy asks for a second factor at every sign-in: this device cannot be remembered.',
      details: { field: 'rememberDevice' },
    });
    expect(await devices.countBy({ userId: user })).toBe(0);
  });

  it('trusting a browser forgets the user\'s expired devices and their replaced tokens', async () => {
    const old = await trust();
    await redeem(old.token);
    const other = await trust(chrome, `${user}-other`);
    clock.set(at(90 * DAY));
    await trust();
    expect(await devices.countBy({ userId: user })).toBe(1);
    expect(await retired.countBy({ userId: user })).toBe(0);
    expect(await devices.countBy({ userId: `${user}-other` })).toBe(1);
    expect(other).toBeTruthy();
  });

  it('a trusted browser skips the code once per token: each use rotates it, keeping the expiry', async () => {
    const first = await trust();
    clock.set(at(DAY));
    const second = await redeem(first.token, { ip: null, userAgent: CHROME_WINDOWS_NEWER });
    expect(second).not.toBeNull();
    expect(second!.token).not.toBe(first.token);
    expect(second!.expiresAt).toEqual(at(90 * DAY));
    const row = await device();
    expect(row).toMatchObject({ tokenHash: hasher.tokenDigest(second!.token), lastUsedAt: at(DAY), expiresAt: at(90 * DAY) });
    expect(await retired.findOneBy({ tokenHash: hasher.tokenDigest(first.token) })).toEqual({
      tokenHash: hasher.tokenDigest(first.token),
      deviceId: row.id,
      userId: user,
      retiredAt: at(DAY),
      expiresAt: at(90 * DAY),
    });
    expect(await redeem(second!.token)).not.toBeNull();
  });

  it('another browser or another system does not skip the code (and the token stays valid)', async () => {
    const { token } = await trust();
    expect(await redeem(token, { ip: null, userAgent: FIREFOX_WINDOWS })).toBeNull();
    expect(await redeem(token, { ip: null, userAgent: CHROME_MAC })).toBeNull();
    expect(await redeem(token, { ip: null, userAgent: null })).toBeNull();
    expect((await device()).tokenHash).toBe(hasher.tokenDigest(token));
    expect(await redeem(token)).not.toBeNull();
  });

  it('not another user\'s token, not an empty or overlong one', async () => {
    const { token } = await trust();
    expect(await redeem(token, chrome, `${user}-other`)).toBeNull();
    expect(await redeem('')).toBeNull();
    expect(await redeem('x'.repeat(101))).toBeNull();
    expect((await device()).tokenHash).toBe(hasher.tokenDigest(token));
  });

  it('a token of up to 100 characters is looked up', async () => {
    await trust();
    const longest = 'x'.repeat(100);
    await devices.update({ userId: user }, { tokenHash: hasher.tokenDigest(longest) });
    expect(await redeem(longest)).not.toBeNull();
  });

  it('expires after the policy\'s days, or sooner once the admin lowers them', async () => {
    const { token } = await trust();
    clock.set(at(90 * DAY - 1));
    const next = (await redeem(token))!;
    expect(next).not.toBeNull();
    clock.set(at(90 * DAY));
    expect(await redeem(next.token)).toBeNull();

    clock.set(at(0));
    const fresh = await trust(chrome, `${user}-b`);
    policy.trustedDeviceDays = 10;
    clock.set(at(10 * DAY - 1));
    const kept = (await redeem(fresh.token, chrome, `${user}-b`))!;
    expect(kept.expiresAt).toEqual(at(10 * DAY));
    clock.set(at(10 * DAY));
    expect(await redeem(kept.token, chrome, `${user}-b`)).toBeNull();
    // Raising the days again does not extend what was stored.
    policy.trustedDeviceDays = 365;
    clock.set(at(11 * DAY));
    expect((await redeem(kept.token, chrome, `${user}-b`))!.expiresAt).toEqual(at(90 * DAY));
  });

  it('with EVERY_LOGIN a trusted device skips nothing, and is kept', async () => {
    const { token } = await trust();
    policy.frequency = TwoFactorFrequency.EVERY_LOGIN;
    expect(await redeem(token)).toBeNull();
    policy.frequency = TwoFactorFrequency.TRUSTED_DEVICE;
    expect(await redeem(token)).not.toBeNull();
  });

  it('of two uses of one token at once, one rotates it; the other is a double submit, not a copy', async () => {
    const { token } = await trust();
    let winner: Awaited<ReturnType<TrustedDevicesService['redeem']>> = null;
    // The other request uses the same token between this one's read and its write.
    const loser = serviceWith({ devices: changedAfterRead(async () => (winner = await redeem(token))) });
    expect(await loser.redeem(user, token, chrome)).toBeNull();
    expect(winner).not.toBeNull();
    expect((await device()).tokenHash).toBe(hasher.tokenDigest(winner!.token));
    expect(await retired.countBy({ userId: user })).toBe(1);
    expect(events.published.map((e) => e.type)).toEqual(['TRUSTED_DEVICE_ADDED']);
  });

  it('a device revoked or used between the read and the write is not rotated', async () => {
    const { token } = await trust();
    const raced = serviceWith({ devices: changedAfterRead(() => devices.update({ userId: user }, { tokenHash: 'f'.repeat(64) })) });
    expect(await raced.redeem(user, token, chrome)).toBeNull();
    expect(await retired.countBy({ userId: user })).toBe(0);
  });

  it('a device that expires between the read and the write is not rotated', async () => {
    const { token } = await trust();
    const raced = serviceWith({ devices: changedAfterRead(() => devices.update({ userId: user }, { expiresAt: at(0) })) });
    expect(await raced.redeem(user, token, chrome)).toBeNull();
  });

  describe('a replaced token that comes back', () => {
    it('within 30 seconds from the same browser: a double submit, refused without revoking', async () => {
      const { token } = await trust();
      const next = (await redeem(token))!;
      clock.set(at(30_000 - 1));
      expect(await redeem(token)).toBeNull();
      expect(await devices.countBy({ userId: user })).toBe(1);
      expect(events.published.map((e) => e.type)).toEqual(['TRUSTED_DEVICE_ADDED']);
      expect(await redeem(next.token)).not.toBeNull();
    });

    it('30 seconds after its replacement: a copy; the device is revoked and the user told', async () => {
      const { token } = await trust();
      const next = (await redeem(token))!;
      const { id, label } = await device();
      clock.set(at(30_000));
      expect(await redeem(token)).toBeNull();
      expect(await devices.countBy({ userId: user })).toBe(0);
      expect(await retired.countBy({ deviceId: id })).toBe(0);
      expect(events.published.at(-1)).toEqual({
        type: 'TRUSTED_DEVICE_REUSED',
        userId: user,
        actorId: undefined,
        client: chrome,
        details: { deviceId: id, label, replacedAt: at(0).toISOString() },
      });
      expect(await redeem(next.token)).toBeNull();
      // Presented again: nothing left to revoke, no second event.
      expect(await redeem(token)).toBeNull();
      expect(events.published.filter((e) => e.type === 'TRUSTED_DEVICE_REUSED')).toHaveLength(1);
    });

    it('at once from another browser or system: a copy', async () => {
      for (const userAgent of [FIREFOX_WINDOWS, CHROME_MAC]) {
        user = `user-${++n}`;
        const { token } = await trust();
        await redeem(token);
        expect(await redeem(token, { ip: null, userAgent })).toBeNull();
        expect(await devices.countBy({ userId: user })).toBe(0);
      }
    });

    it('after the device expired: nothing left to protect, nothing reported', async () => {
      const { token } = await trust();
      await redeem(token);
      clock.set(at(90 * DAY));
      expect(await redeem(token, { ip: null, userAgent: FIREFOX_WINDOWS })).toBeNull();
      expect(events.published.map((e) => e.type)).toEqual(['TRUSTED_DEVICE_ADDED']);
      expect(await devices.countBy({ userId: user })).toBe(1);
    });

    it('presented for another user: nothing happens', async () => {
      const { token } = await trust();
      await redeem(token);
      clock.set(at(60_000));
      expect(await redeem(token, chrome, `${user}-other`)).toBeNull();
      expect(await devices.countBy({ userId: user })).toBe(1);
    });

    it('whose device record is gone: nothing reported', async () => {
      const { token } = await trust();
      await redeem(token);
      await devices.delete({ userId: user });
      clock.set(at(60_000));
      expect(await redeem(token)).toBeNull();
      expect(events.published.map((e) => e.type)).toEqual(['TRUSTED_DEVICE_ADDED']);
    });
  });

  it('list: the devices still trusted, newest first, with the policy\'s expiry', async () => {
    await trust();
    clock.set(at(DAY));
    await trust({ ip: null, userAgent: FIREFOX_WINDOWS });
    clock.set(at(2 * DAY));
    await trust({ ip: null, userAgent: CHROME_MAC });
    await trust(chrome, `${user}-other`);
    let listed = await service.list(user);
    expect(listed.map((d) => d.label)).toEqual(['Chrome on Mac OS', 'Firefox on Windows', 'Chrome on Windows']);
    policy.trustedDeviceDays = 2;
    listed = await service.list(user);
    expect(listed.map((d) => [d.label, d.expiresAt])).toEqual([
      ['Chrome on Mac OS', at(4 * DAY)],
      ['Firefox on Windows', at(3 * DAY)],
    ]);
    expect(await service.countTrusted(user)).toBe(3);
    clock.set(at(90 * DAY));
    expect(await service.countTrusted(user)).toBe(2);
  });

  it('a device of the same instant comes in a stable order', async () => {
    await trust();
    await trust({ ip: null, userAgent: FIREFOX_WINDOWS });
    const listed = await service.list(user);
    const ids = listed.map((d) => d.id);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('revoke: one of the user\'s devices; NOT_FOUND for an unknown id or another user\'s', async () => {
    const mine = await trust();
    const other = await trust(chrome, `${user}-other`);
    const { id, label } = await device();
    const otherId = (await devices.findOneBy({ userId: `${user}-other` }))!.id;
    for (const bad of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', otherId]) {
      await expect(service.revoke(user, bad, chrome, null)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No trusted device with this id.' });
    }
    await expect(service.revoke(user, `${id}x`, chrome, null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.revoke(user, ` ${id}`, chrome, null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await service.revoke(user, id, chrome, other.token)).toEqual({ wasThisBrowser: false });
    expect(await devices.countBy({ userId: user })).toBe(0);
    expect(events.published.at(-1)).toEqual({ type: 'TRUSTED_DEVICE_REVOKED', userId: user, actorId: undefined, client: chrome, details: { deviceId: id, label } });
    await expect(service.revoke(user, id, chrome, mine.token)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('revoke tells whether the request came from that browser', async () => {
    const mine = await trust();
    const { id } = await device();
    await redeem(mine.token);
    const again = await trust();
    const secondId = (await devices.findOneBy({ tokenHash: hasher.tokenDigest(again.token) }))!.id;
    expect(await service.revoke(user, secondId, chrome, again.token)).toEqual({ wasThisBrowser: true });
    expect(await service.revoke(user, id, chrome, null)).toEqual({ wasThisBrowser: false });
    expect(await retired.countBy({ deviceId: id })).toBe(0);
  });

  it('revokeAll: every device of the user, the count of those still trusted, and whether this browser was one', async () => {
    const mine = await trust();
    await trust({ ip: null, userAgent: FIREFOX_WINDOWS });
    const others = await trust(chrome, `${user}-other`);
    await redeem(mine.token);
    expect(await service.revokeAll(user, chrome, others.token)).toEqual({ count: 2, wasThisBrowser: false });
    expect(events.published.at(-1)).toEqual({ type: 'TRUSTED_DEVICE_REVOKED', userId: user, actorId: undefined, client: chrome, details: { count: 2, all: true } });
    expect(await retired.countBy({ userId: user })).toBe(0);
    expect(await devices.countBy({ userId: `${user}-other` })).toBe(1);
    const before = events.published.length;
    expect(await service.revokeAll(user, chrome, null)).toEqual({ count: 0, wasThisBrowser: false });
    expect(events.published).toHaveLength(before);
    const last = await trust();
    expect(await service.revokeAll(user, chrome, last.token)).toEqual({ count: 1, wasThisBrowser: true });
  });

  it('forgetAll counts only the devices still trusted', async () => {
    await trust();
    clock.set(at(10 * DAY));
    await trust({ ip: null, userAgent: FIREFOX_WINDOWS });
    clock.set(at(90 * DAY));
    expect(await service.forgetAll(user)).toBe(1);
    expect(await devices.countBy({ userId: user })).toBe(0);
  });

  it('revoke recognises this browser\'s token after an APP_SECRET rotation', async () => {
    const oldSecret = randomBytes(32);
    const before = serviceWith({ hasher: new KeyedHasher(oldSecret) });
    const after = serviceWith({ hasher: new KeyedHasher(randomBytes(32), [oldSecret]) });
    const { token } = await before.trust(user, chrome);
    expect(await after.revoke(user, (await device()).id, chrome, token)).toEqual({ wasThisBrowser: true });
  });

  it('a device deleted between revoke\'s read and its DELETE is NOT_FOUND, and nothing is reported', async () => {
    await trust();
    const { id } = await device();
    const raced = serviceWith({ devices: changedAfterRead(() => devices.delete({ id })) });
    await expect(raced.revoke(user, id, chrome, null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(events.published.map((e) => e.type)).toEqual(['TRUSTED_DEVICE_ADDED']);
  });
});
