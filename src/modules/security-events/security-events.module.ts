import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEventEntity } from './entities/security-event.entity';
import { SecurityEventsResolver } from './security-events.resolver';
import { SecurityEventsService } from './security-events.service';

/** Global: every module records the events it knows about through one service. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEventEntity])],
  providers: [SecurityEventsService, SecurityEventsResolver],
  exports: [SecurityEventsService],
})
export class SecurityEventsModule {}
