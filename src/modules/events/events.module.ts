import { Module } from '@nestjs/common';
import { EventBus } from './event-bus';

/** The domain event bus (on @nestjs/event-emitter, which the root module sets up). */
@Module({
  providers: [EventBus],
  exports: [EventBus],
})
export class EventsModule {}
