import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SecretsService } from './secrets.service';

/** Re-keying secrets at rest (`--reseal`) and the key ring's housekeeping. */
@Module({
  imports: [EventsModule],
  providers: [SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
