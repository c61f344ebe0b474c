import { Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, IdColumn } from '../../../database/columns';

/**
 * A trusted-device token that a use replaced, kept as its keyed hash so
 * that its coming back is noticed: a replaced token that comes back was
 * copied, and the device is revoked (TrustedDevicesService.redeem). Deleted
 * with its device, and by retention after the device's expiry.
 */
@Entity('trusted_device_retired_tokens')
@Index('IDX_trusted_device_retired_tokens_device', ['deviceId'])
@Index('IDX_trusted_device_retired_tokens_user', ['userId', 'expiresAt'])
@Index('IDX_trusted_device_retired_tokens_expires', ['expiresAt'])
export class RetiredDeviceTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash: string;

  @IdColumn()
  deviceId: string;

  @IdColumn()
  userId: string;

  /** When a use replaced it. */
  @DateColumn()
  retiredAt: Date;

  /** The device's expiry: after it, the token is of no interest. */
  @DateColumn()
  expiresAt: Date;
}
