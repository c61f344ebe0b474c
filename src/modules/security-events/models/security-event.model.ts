import { Field, ID, ObjectType } from '@nestjs/graphql';
import { SecurityEventEntity } from '../entities/security-event.entity';
import { SECURITY_EVENT_TYPE_DESCRIPTION } from '../security-event-descriptions';

@ObjectType('SecurityEvent', { description: 'One entry of the audit log: something that happened to an account.' })
export class SecurityEventModel {
  @Field(() => ID, { description: 'The entry id.' })
  id: string;

  @Field({ description: SECURITY_EVENT_TYPE_DESCRIPTION })
  type: string;

  @Field(() => ID, { nullable: true, description: 'The user the event is about.' })
  userId: string | null;

  @Field(() => ID, { nullable: true, description: 'The user who acted, when another (an admin).' })
  actorId: string | null;

  @Field(() => String, { nullable: true, description: 'The client address of the request that caused it; null for the operator and background work.' })
  ip: string | null;

  @Field(() => String, { nullable: true, description: 'The User-Agent of that request.' })
  userAgent: string | null;

  @Field({ description: 'When it happened.' })
  createdAt: Date;

  @Field(() => String, {
    nullable: true,
    description:
      'What else is known, as a JSON object of non-secret facts: the method, what changed, why a delivery failed, how long a lockout lasts. Never a code, token or password. Only for those who may read every user\'s events (ADMIN); null for the others.',
  })
  details: string | null;

  static from(event: SecurityEventEntity, withDetails: boolean): SecurityEventModel {
    return Object.assign(new SecurityEventModel(), {
      id: String(event.id),
      type: event.type,
      userId: event.userId,
      actorId: event.actorId,
      ip: event.ip,
      userAgent: event.userAgent,
      createdAt: event.createdAt,
      details: withDetails ? event.details : null,
    });
  }
}

@ObjectType('SecurityEventPage', { description: 'One page of the audit log, newest first.' })
export class SecurityEventPageModel {
  @Field(() => [SecurityEventModel], { description: 'The events of this page.' })
  items: SecurityEventModel[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  nextCursor: string | null;
}
