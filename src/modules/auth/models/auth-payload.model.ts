import { Field, ObjectType } from '@nestjs/graphql';
import { SessionStage } from '../../../common/auth/session-stage';
import { UserModel } from '../../users/models/user.model';
import { TwoFactorChallengeModel } from './two-factor-challenge.model';

@ObjectType('AuthPayload', { description: 'What a sign-in step answers: the new session and what it may do next.' })
export class AuthPayloadModel {
  @Field(() => SessionStage, { description: 'The stage of the new session: what the token may do.' })
  stage: SessionStage;

  @Field({ description: 'A new token: the token of a pending stage is never reused for AUTHENTICATED.' })
  sessionToken: string;

  @Field({ description: 'When the new session ends unless used (pending stages: 10 minutes).' })
  expiresAt: Date;

  @Field(() => TwoFactorChallengeModel, { nullable: true, description: 'Set when the stage is PENDING_TWO_FACTOR.' })
  challenge?: TwoFactorChallengeModel | null;

  /** Resolved by AuthPayloadResolver: given, or loaded from userId only when the client asks for it. */
  user?: UserModel | null;

  /** Not in the schema: whose session it is, when `user` was not loaded. */
  userId?: string;

  @Field(() => String, { nullable: true, description: 'Set when verifyTwoFactor was asked to remember the device.' })
  trustedDeviceToken?: string | null;

  @Field(() => Date, { nullable: true, description: 'When trustedDeviceToken stops skipping the second factor.' })
  trustedDeviceExpiresAt?: Date | null;

  /** Not in the schema: the trusted-device token given at sign-in was refused (signIn clears its cookie). */
  trustedDeviceRefused?: boolean;
}
