import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('IssuedBackupCode')
export class IssuedBackupCodeModel {
  @Field()
  code: string;

  @Field()
  expiresAt: Date;
}
