import { Field, ObjectType } from '@nestjs/graphql';
import { SessionStage } from '../../../common/auth/session-stage';
import { TwoFactorChallengeModel } from './two-factor-challenge.model';

@ObjectType('Session')
export class SessionModel {
  /** Not a GraphQL field: lets field resolvers (challenge) find the session. */
  sessionId: string;
  userId: string;

  @Field(() => SessionStage)
  stage: SessionStage;

  @Field()
  expiresAt: Date;

  /** Resolved by the challenge module while the stage is PENDING_TWO_FACTOR. */
  @Field(() => TwoFactorChallengeModel, { nullable: true, description: 'Set while the stage is PENDING_TWO_FACTOR.' })
  challenge?: TwoFactorChallengeModel | null;
}
