import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { RetiredDeviceTokenEntity } from './entities/retired-device-token.entity';
import { TrustedDeviceEntity } from './entities/trusted-device.entity';
import { TrustedDevicesListener } from './trusted-devices.listener';
import { TrustedDevicesResolver } from './trusted-devices.resolver';
import { TrustedDevicesService } from './trusted-devices.service';

/** "Don't ask again for N days": the challenge trusts and redeems devices through TrustedDevicesService. */
@Module({
  imports: [TypeOrmModule.forFeature([TrustedDeviceEntity, RetiredDeviceTokenEntity]), EventsModule],
  providers: [TrustedDevicesService, TrustedDevicesResolver, TrustedDevicesListener],
  exports: [TrustedDevicesService],
})
export class TrustedDevicesModule {}
