import { Field, ID, ObjectType } from '@nestjs/graphql';
import { TrustedDeviceEntity } from '../entities/trusted-device.entity';

@ObjectType('TrustedDevice')
export class TrustedDeviceModel {
  @Field(() => ID)
  id: string;

  @Field({ description: "Browser and system, e.g. 'Chrome on Windows'." })
  label: string;

  @Field()
  createdAt: Date;

  @Field()
  expiresAt: Date;

  @Field(() => Date, { nullable: true })
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
