import { Field, ObjectType } from '@nestjs/graphql';
import { AuthPayloadModel } from '../../auth/models/auth-payload.model';
import { TwoFactorStatusModel } from './two-factor-status.model';

@ObjectType('EnrollmentResult', { description: 'What a confirmed enrollment changed.' })
export class EnrollmentResultModel {
  @Field(() => TwoFactorStatusModel, { description: "The user's 2FA now." })
  twoFactor: TwoFactorStatusModel;

  @Field(() => [String], {
    nullable: true,
    description: 'The ten new backup codes, when this enrollment turned 2FA on; null otherwise. Shown this once: they are stored hashed.',
  })
  backupCodes: string[] | null;

  @Field(() => AuthPayloadModel, {
    nullable: true,
    description: 'A new AUTHENTICATED session, when the enrollment was made from a PENDING_ENROLLMENT session.',
  })
  session: AuthPayloadModel | null;
}
