import { Field, ID, ObjectType } from '@nestjs/graphql';
import { TrustedDeviceEntity } from '../entities/trusted-device.entity';

@ObjectType('TrustedDevice', { description: "A browser the user chose to trust ('Don't ask again')." })
export class TrustedDeviceModel {
  @Field(() => ID, { description: 'Pass it to revokeTrustedDevice.' })
  id: string;

  @Field({ description: "Browser and system, e.g. 'Chrome on Windows'." })
  label: string;

  @Field({ description: 'When the user chose to trust it.' })
  createdAt: Date;

  @Field({ description: 'When it stops skipping the second factor.' })
  expiresAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it last skipped the second factor; null if never.' })
  lastUsedAt: Date | null;

  static from(device: TrustedDeviceEntity): TrustedDeviceModel {
    return Object.assign(new TrustedDeviceModel(), {
      id: device.id,
      label: device.label,
      createdAt: device.createdAt,
      expiresAt: device.expiresAt,
      lastUsedAt: device.lastUsedAt,
    });
  }
}
