import { Field, Int, ObjectType } from '@nestjs/graphql';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';

/** What a PENDING_TWO_FACTOR session may answer with, and when. Filled by the challenge module. */
@ObjectType('TwoFactorChallenge', { description: 'The second factor a PENDING_TWO_FACTOR session owes, and when it may be answered.' })
export class TwoFactorChallengeModel {
  /** Not GraphQL fields: let a method's field resolver (e.g. passkey options) find the challenge. */
  sessionId?: string;
  userId?: string;

  @Field(() => [TwoFactorMethod], { description: 'What this user may answer with now: enabled methods, plus BACKUP_CODE.' })
  methods: TwoFactorMethod[];

  @Field(() => String, { nullable: true, description: 'The masked address a code was sent to (j***@example.com), when one was sent.' })
  emailSentTo: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The masked destination of a code sent by any method (email, or an integrator's SMS), when one was sent.",
  })
  sentTo: string | null;

  @Field(() => Date, { nullable: true, description: 'When resendTwoFactorCode will next be accepted.' })
  resendAvailableAt: Date | null;

  @Field(() => Int, { description: 'Wrong codes left before ACCOUNT_LOCKED (shared by every method and sign-in).' })
  attemptsRemaining: number;

  @Field(() => Date, { nullable: true, description: 'Set while a cooldown runs: verifyTwoFactor answers TOO_MANY_ATTEMPTS until then.' })
  retryAvailableAt: Date | null;

  @Field(() => Int, { nullable: true, description: "Days that 'Don't ask again' would trust this device; null when the policy is EVERY_LOGIN." })
  rememberDeviceDays: number | null;

  @Field({ description: 'When this pending sign-in ends.' })
  expiresAt: Date;
}
