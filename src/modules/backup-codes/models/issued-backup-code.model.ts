import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('IssuedBackupCode', { description: 'A one-time backup code an admin issued for another user, shown this once.' })
export class IssuedBackupCodeModel {
  @Field({ description: 'Ten characters shown as xxxxx-xxxxx: read it to the user; it signs in once.' })
  code: string;

  @Field({ description: 'When it stops working (adminBackupCodeTtlMinutes after issuing).' })
  expiresAt: Date;
}
