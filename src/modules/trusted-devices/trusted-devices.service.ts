import { addDays, addSeconds, Clock } from '@app/clock';
import { constantTimeEqual, KeyedHasher, randomToken } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ClientInfo } from '../../common/http/request-context';
import { PolicyService } from '../policy/policy.service';
import { TwoFactorFrequency, TwoFactorPolicy } from '../policy/policy.types';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { deviceBindingOf, sameDevice } from './device-binding';
import { RetiredDeviceTokenEntity } from './entities/retired-device-token.entity';
import { TrustedDeviceEntity } from './entities/trusted-device.entity';
import { insertRows } from '../../database/insert-rows';

/** A trusted-device token as handed to the client (cookie and AuthPayload). */
export interface IssuedTrustedDevice {
  /** 256-bit random, base64url; stored only as its keyed hash. */
  token: string;
  expiresAt: Date;
}

/** Longer than any token this service hands out: not worth hashing. */
const MAX_TOKEN_LENGTH = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A replaced token that comes back within this many seconds of its
 * replacement, from the browser and system the device is bound to, is a
 * double submit, not a copy: two tabs signing in at once with the same
 * cookie, or a retry whose first answer was lost. It is refused (the code is
 * asked) without revoking the device. Anything else that comes back (later,
 * or from another browser or system) revokes it. The cost: an attacker who
 * copied the cookie and fakes the browser's User-Agent is not noticed if
 * they present it within these seconds after the user's own use; they skip
 * nothing either, since the token they hold is spent.
 */
export const DOUBLE_SUBMIT_GRACE_SECONDS = 30;

/**
 * "Don't ask again for N days": a browser (browser family + system family
 * from the User-Agent) that the user chose to trust skips the second factor
 * while the policy's frequency is TRUSTED_DEVICE. A risk decision, not a
 * second factor (NIST SP 800-63B does not count it as one).
 */
@Injectable()
export class TrustedDevicesService {
  constructor(
    @InjectRepository(TrustedDeviceEntity) private readonly devices: Repository<TrustedDeviceEntity>,
    @InjectRepository(RetiredDeviceTokenEntity) private readonly retiredTokens: Repository<RetiredDeviceTokenEntity>,
    private readonly hasher: KeyedHasher,
    private readonly policy: PolicyService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Days a device would be trusted now; null when the policy asks at every sign-in. */
  static rememberDeviceDays(policy: TwoFactorPolicy): number | null {
    return policy.frequency === TwoFactorFrequency.TRUSTED_DEVICE ? policy.trustedDeviceDays : null;
  }

  /**
   * Trusts the caller's browser for the policy's trustedDeviceDays. The
   * caller has just passed the second factor. BAD_USER_INPUT (rememberDevice)
   * when the policy is EVERY_LOGIN: check first, before consuming a code.
   */
  async trust(userId: string, client: ClientInfo): Promise<IssuedTrustedDevice> {
    const policy = await this.policy.get();
    const days = TrustedDevicesService.rememberDeviceDays(policy);
    if (days === null) {
      throw DomainException.badInput('rememberDevice', 'The security policy asks for a second factor at every sign-in: this device cannot be remembered.');
    }
    const now = this.clock.now();
    const binding = deviceBindingOf(client.userAgent);
    const token = randomToken();
    const expiresAt = addDays(now, days);
    await this.deleteExpired(userId, now);
    const device = this.devices.create({
      id: randomUUID(),
      tokenHash: this.hasher.tokenDigest(token),
      userId,
      browser: binding.browser,
      system: binding.system,
      label: binding.label,
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
    });
    await insertRows(this.devices, device);
    await this.events.publish({
      type: SecurityEventType.TRUSTED_DEVICE_ADDED,
      userId,
      client,
      details: { deviceId: device.id, label: device.label, expiresAt: expiresAt.toISOString() },
    });
    return { token, expiresAt };
  }

  /**
   * Whether this token lets this user skip the second factor from this
   * browser now. When it does, the token is rotated (single use: a
   * conditional UPDATE on the old hash decides between racing requests, and
   * the old hash is kept as retired in the same transaction) and the new one
   * is returned with the device's original expiry; otherwise null.
   *
   * A retired token that comes back was copied (see DOUBLE_SUBMIT_GRACE_SECONDS
   * for the one exception): the device is revoked, so its current token stops
   * working too, TRUSTED_DEVICE_REUSED is recorded and the user is emailed.
   * Checked whatever the policy's frequency: a copy is a copy.
   */
  async redeem(userId: string, token: string, client: ClientInfo): Promise<IssuedTrustedDevice | null> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const digests = this.hasher.tokenDigests(token);
    const [policy, device] = await Promise.all([this.policy.get(), this.devices.findOneBy({ tokenHash: In(digests), userId })]);
    const now = this.clock.now();
    if (!device) {
      await this.revokeIfReused(userId, digests, client, now);
      return null;
    }
    if (TrustedDevicesService.rememberDeviceDays(policy) === null) return null;
    const oldHash = device.tokenHash;
    const expiresAt = this.effectiveExpiry(device, policy);
    if (expiresAt <= now) return null;
    if (!sameDevice(device, deviceBindingOf(client.userAgent))) return null;

    const next = randomToken();
    const rotated = await this.devices.manager.transaction(async (manager) => {
      const result = await manager
        .getRepository(TrustedDeviceEntity)
        .update({ id: device.id, userId, tokenHash: oldHash, expiresAt: MoreThan(now) }, { tokenHash: this.hasher.tokenDigest(next), lastUsedAt: now });
      if ((result.affected ?? 0) === 0) return false;
      await insertRows(manager.getRepository(RetiredDeviceTokenEntity), { tokenHash: oldHash, deviceId: device.id, userId, retiredAt: now, expiresAt: device.expiresAt });
      return true;
    });
    // Used, revoked or forgotten meanwhile (the loser of two racing uses lands here: a double submit, not a copy).
    if (!rotated) return null;
    return { token: next, expiresAt };
  }

  /** A replaced token came back: unless it is a double submit, the device it belonged to is revoked and the user told. */
  private async revokeIfReused(userId: string, digests: string[], client: ClientInfo, now: Date): Promise<void> {
    const retired = await this.retiredTokens.findOneBy({ tokenHash: In(digests), userId });
    if (!retired) return;
    const device = await this.devices.findOneBy({ id: retired.deviceId, userId });
    // Already revoked, or expired: nothing left to protect.
    if (!device || device.expiresAt <= now) return;
    const doubleSubmit = retired.retiredAt > addSeconds(now, -DOUBLE_SUBMIT_GRACE_SECONDS) && sameDevice(device, deviceBindingOf(client.userAgent));
    if (doubleSubmit) return;
    // Only the request whose DELETE removed the device reports it (two copies presented at once make one event).
    if (!(await this.deleteDevice(device.id, userId))) return;
    await this.events.publish({
      type: SecurityEventType.TRUSTED_DEVICE_REUSED,
      userId,
      client,
      details: { deviceId: device.id, label: device.label, replacedAt: retired.retiredAt.toISOString() },
    });
  }

  /** The user's devices that are still trusted, newest first. */
  async list(userId: string): Promise<TrustedDeviceEntity[]> {
    const policy = await this.policy.get();
    const now = this.clock.now();
    const rows = await this.devices.find({ where: { userId, expiresAt: MoreThan(now) }, order: { createdAt: 'DESC', id: 'DESC' } });
    return rows
      .map((row) => Object.assign(row, { expiresAt: this.effectiveExpiry(row, policy) }))
      .filter((row) => row.expiresAt > now);
  }

  /**
   * Forgets one of the user's devices; NOT_FOUND for an unknown id or another
   * user's. `wasThisBrowser`: the token the request carried was that device's.
   */
  async revoke(userId: string, id: string, client: ClientInfo, presentedToken: string | null): Promise<{ wasThisBrowser: boolean }> {
    if (!UUID.test(id)) throw DomainException.notFound('No trusted device with this id.');
    const device = await this.devices.findOneBy({ id, userId });
    if (!device || !(await this.deleteDevice(id, userId))) throw DomainException.notFound('No trusted device with this id.');
    await this.events.publish({
      type: SecurityEventType.TRUSTED_DEVICE_REVOKED,
      userId,
      client,
      details: { deviceId: id, label: device.label },
    });
    return {
      wasThisBrowser: presentedToken !== null && this.hasher.tokenDigests(presentedToken).some((digest) => constantTimeEqual(digest, device.tokenHash)),
    };
  }

  /** Forgets all the user's devices; `count`: how many were still trusted; `wasThisBrowser` as for revoke. */
  async revokeAll(userId: string, client: ClientInfo, presentedToken: string | null): Promise<{ count: number; wasThisBrowser: boolean }> {
    // A shared browser may carry another user's device: only the caller's own is this browser's.
    const wasThisBrowser = presentedToken !== null && (await this.devices.existsBy({ userId, tokenHash: In(this.hasher.tokenDigests(presentedToken)) }));
    const count = await this.forgetAll(userId);
    if (count > 0) await this.events.publish({ type: SecurityEventType.TRUSTED_DEVICE_REVOKED, userId, client, details: { count, all: true } });
    return { count, wasThisBrowser };
  }

  /** How many of the user's devices are still trusted (by their stored expiry). */
  countTrusted(userId: string): Promise<number> {
    return this.devices.countBy({ userId, expiresAt: MoreThan(this.clock.now()) });
  }

  /**
   * Forgets every device of the user (password change, last method turned
   * off, admin reset). Returns how many were still trusted.
   */
  async forgetAll(userId: string): Promise<number> {
    await this.deleteExpired(userId, this.clock.now());
    const result = await this.devices.delete({ userId });
    await this.retiredTokens.delete({ userId });
    return result.affected ?? 0;
  }

  /** Deletes one device and its replaced tokens; false when it was not there (any more). */
  private async deleteDevice(id: string, userId: string): Promise<boolean> {
    const result = await this.devices.delete({ id, userId });
    await this.retiredTokens.delete({ deviceId: id });
    return (result.affected ?? 0) > 0;
  }

  /** The user's expired devices and their replaced tokens (retention would delete them a day later). */
  private async deleteExpired(userId: string, now: Date): Promise<void> {
    await this.devices.delete({ userId, expiresAt: LessThanOrEqual(now) });
    await this.retiredTokens.delete({ userId, expiresAt: LessThanOrEqual(now) });
  }

  /** The stored expiry, shortened when the admin has since lowered trustedDeviceDays. */
  private effectiveExpiry(device: TrustedDeviceEntity, policy: TwoFactorPolicy): Date {
    const byPolicy = addDays(device.createdAt, policy.trustedDeviceDays);
    return byPolicy < device.expiresAt ? byPolicy : device.expiresAt;
  }
}
