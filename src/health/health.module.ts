import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health-registry';
import { ReadinessIndicators } from './readiness';
import { ServingState } from './serving-state';

@Global()
@Module({
  // Failures are logged once, by the indicators themselves (never the driver's message to the caller).
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthRegistry, ReadinessIndicators, ServingState],
  exports: [HealthRegistry, ServingState],
})
export class HealthModule {}
