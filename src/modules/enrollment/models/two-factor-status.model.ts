import { Field, Int, ObjectType } from '@nestjs/graphql';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';

@ObjectType('TwoFactorStatus')
export class TwoFactorStatusModel {
  @Field({ description: 'True when at least one of EMAIL or AUTHENTICATOR_APP is enabled.' })
  enabled: boolean;

  @Field(() => [TwoFactorMethod], { description: 'The enabled methods among EMAIL and AUTHENTICATOR_APP.' })
  methods: string[];

  @Field(() => TwoFactorMethod, { nullable: true })
  preferredMethod: string | null;

  @Field(() => Int, { description: "Unused codes of the user's own ten." })
  backupCodesRemaining: number;
}
