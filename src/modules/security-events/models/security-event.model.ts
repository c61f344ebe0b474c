import { Field, ID, ObjectType } from '@nestjs/graphql';
import { SecurityEventEntity } from '../entities/security-event.entity';

@ObjectType('SecurityEvent')
export class SecurityEventModel {
  @Field(() => ID)
  id: string;

  @Field({
    description:
      'e.g. SIGN_IN_SUCCEEDED, SIGN_IN_FAILED, TWO_FACTOR_FAILED, ACCOUNT_LOCKED, METHOD_ENABLED, METHOD_DISABLED, BACKUP_CODE_USED, BACKUP_CODES_REGENERATED, BACKUP_CODE_ISSUED, TWO_FACTOR_RESET, POLICY_UPDATED, SMTP_UPDATED',
  })
  type: string;

  @Field(() => ID, { nullable: true, description: 'The user the event is about.' })
  userId: string | null;

  @Field(() => ID, { nullable: true, description: 'The user who acted, when another (an admin).' })
  actorId: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field()
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

@ObjectType('SecurityEventPage')
export class SecurityEventPageModel {
  @Field(() => [SecurityEventModel])
  items: SecurityEventModel[];

  @Field(() => String, { nullable: true })
  nextCursor: string | null;
}
