import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RetiredDeviceTokenEntity } from './entities/retired-device-token.entity';
import { TrustedDeviceEntity } from './entities/trusted-device.entity';
import { TrustedDevicesListener } from './trusted-devices.listener';
import { TrustedDevicesResolver } from './trusted-devices.resolver';
import { TrustedDevicesService } from './trusted-devices.service';

/** "Don't ask again for N days". Global: the challenge module injects TrustedDevicesService to trust and redeem devices. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([TrustedDeviceEntity, RetiredDeviceTokenEntity])],
  providers: [TrustedDevicesService, TrustedDevicesResolver, TrustedDevicesListener],
  exports: [TrustedDevicesService],
})
export class TrustedDevicesModule {}
