import { Global, Module } from '@nestjs/common';
import { HealthController, HealthRegistry } from './health.controller';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthRegistry],
  exports: [HealthRegistry],
})
export class HealthModule {}
