import { Field, Int, ObjectType } from '@nestjs/graphql';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';

@ObjectType('TwoFactorStatus', { description: "A user's two-factor authentication at a glance." })
export class TwoFactorStatusModel {
  /** Not a GraphQL field: lets a method's field resolver (e.g. passkeys) find the user. */
  userId: string;

  @Field({ description: 'True when at least one method other than BACKUP_CODE is enabled.' })
  enabled: boolean;

  @Field(() => [TwoFactorMethod], { description: 'The enabled methods (never BACKUP_CODE, which comes with any of them).' })
  methods: string[];

  @Field(() => TwoFactorMethod, { nullable: true, description: 'The method asked for first at sign-in; null while none is enabled.' })
  preferredMethod: string | null;

  @Field(() => Int, { description: "Unused codes of the user's own ten." })
  backupCodesRemaining: number;
}
