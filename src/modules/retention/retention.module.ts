import { Module } from '@nestjs/common';
import { SecretsModule } from '../secrets/secrets.module';
import { RetentionService } from './retention.service';

/** Housekeeping: deletes what has expired and audit events past their retention. */
@Module({
  imports: [SecretsModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
