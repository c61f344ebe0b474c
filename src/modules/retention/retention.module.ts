import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';

/** Housekeeping: deletes what has expired and audit events past their retention. */
@Module({
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
