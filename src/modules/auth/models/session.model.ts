import { Field, ObjectType } from '@nestjs/graphql';
import { SessionStage } from '../../../common/auth/session-stage';
import { TwoFactorChallengeModel } from './two-factor-challenge.model';

@ObjectType('Session', { description: 'The session of the token that asks.' })
export class SessionModel {
  /** Not a GraphQL field: lets field resolvers (challenge) find the session. */
  sessionId: string;
  userId: string;

  @Field(() => SessionStage, { description: 'How far the sign-in got: what this token may do.' })
  stage: SessionStage;

  @Field({ description: 'When the session ends unless used again (pending stages: 10 minutes after the password).' })
  expiresAt: Date;

  /** Resolved by the enrollment module. */
  enrollmentDueAt?: Date | null;

  /** Resolved by the challenge module while the stage is PENDING_TWO_FACTOR. */
  @Field(() => TwoFactorChallengeModel, { nullable: true, description: 'Set while the stage is PENDING_TWO_FACTOR.' })
  challenge?: TwoFactorChallengeModel | null;
}
