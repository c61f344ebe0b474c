import { Field, ID, ObjectType } from '@nestjs/graphql';
import { SessionStage } from '../../../common/auth/session-stage';
import { SessionEntity } from '../entities/session.entity';

@ObjectType('SessionInfo', { description: "One of a user's sessions, as the user or an admin sees it." })
export class SessionInfoModel {
  @Field(() => ID, { description: 'The session id (never its token): pass it to revokeSession.' })
  id: string;

  @Field(() => SessionStage, { description: 'How far the sign-in of this session got.' })
  stage: SessionStage;

  @Field({ description: 'When it was opened.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was last used, to the minute; null if not since it was opened.' })
  lastSeenAt: Date | null;

  @Field({ description: 'When it ends unless used again (AUTHENTICATED sessions slide with use, up to their absolute limit).' })
  expiresAt: Date;

  @Field(() => String, { nullable: true, description: 'The client address it was opened from.' })
  ip: string | null;

  @Field(() => String, { nullable: true, description: 'The User-Agent it was opened with.' })
  userAgent: string | null;

  @Field({ description: 'True for the session that asks.' })
  current: boolean;

  static from(session: SessionEntity, currentSessionId: string): SessionInfoModel {
    return Object.assign(new SessionInfoModel(), {
      id: session.id,
      stage: session.stage,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
      current: session.id === currentSessionId,
    });
  }
}
