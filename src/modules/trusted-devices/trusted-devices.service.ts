import { addDays, Clock } from '@app/clock';
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
 * "Don't ask again for N days": a browser (browser family + system family
 * from the User-Agent) that the user chose to trust skips the second factor
 * while the policy's frequency is TRUSTED_DEVICE. A risk decision, not a
 * second factor (NIST SP 800-63B does not count it as one).
 */
@Injectable()
export class TrustedDevicesService {
  constructor(
    @InjectRepository(TrustedDeviceEntity) private readonly devices: Repository<TrustedDeviceEntity>,
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
    await this.devices.delete({ userId, expiresAt: LessThanOrEqual(now) });
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
   * conditional UPDATE on the old hash decides between racing requests) and
   * the new one is returned with the device's original expiry; otherwise null.
   */
  async redeem(userId: string, token: string, client: ClientInfo): Promise<IssuedTrustedDevice | null> {
    if (!token || token.length > MAX_TOKEN_LENGTH) return null;
    const policy = await this.policy.get();
    if (TrustedDevicesService.rememberDeviceDays(policy) === null) return null;
    const now = this.clock.now();
    const device = await this.devices.findOneBy({ tokenHash: In(this.hasher.tokenDigests(token)), userId });
    if (!device) return null;
    const oldHash = device.tokenHash;
    const expiresAt = this.effectiveExpiry(device, policy);
    if (expiresAt <= now) return null;
    if (!sameDevice(device, deviceBindingOf(client.userAgent))) return null;

    const next = randomToken();
    const rotated = await this.devices.update(
      { id: device.id, userId, tokenHash: oldHash, expiresAt: MoreThan(now) },
      { tokenHash: this.hasher.tokenDigest(next), lastUsedAt: now },
    );
    if ((rotated.affected ?? 0) === 0) return null; // used, revoked or forgotten meanwhile
    return { token: next, expiresAt };
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
    const result = await this.devices.delete({ id, userId });
    if (!device || (result.affected ?? 0) === 0) throw DomainException.notFound('No trusted device with this id.');
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
    await this.devices.delete({ userId, expiresAt: LessThanOrEqual(this.clock.now()) });
    const result = await this.devices.delete({ userId });
    return result.affected ?? 0;
  }

  /** The stored expiry, shortened when the admin has since lowered trustedDeviceDays. */
  private effectiveExpiry(device: TrustedDeviceEntity, policy: TwoFactorPolicy): Date {
    const byPolicy = addDays(device.createdAt, policy.trustedDeviceDays);
    return byPolicy < device.expiresAt ? byPolicy : device.expiresAt;
  }
}
