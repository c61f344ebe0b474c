import { Module } from '@nestjs/common';
import { SecretsService } from './secrets.service';

/** Re-keying secrets at rest (`--reseal`) and the key ring's housekeeping. */
@Module({
  providers: [SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
