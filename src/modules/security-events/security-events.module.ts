import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEventEntity } from './entities/security-event.entity';
import { SecurityEventsResolver } from './security-events.resolver';
import { SecurityEventsService } from './security-events.service';

/** The audit log: stores every domain event (it subscribes to the bus) and answers securityEvents. */
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEventEntity])],
  providers: [SecurityEventsService, SecurityEventsResolver],
  exports: [SecurityEventsService],
})
export class SecurityEventsModule {}
