import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('EmailEnrollment', { description: 'An email enrollment in progress: a code was sent; confirm with it.' })
export class EmailEnrollmentModel {
  @Field({ description: 'The masked address the code was sent to (j***@example.com).' })
  sentTo: string;

  @Field({ description: 'When the code (and this enrollment) expires.' })
  expiresAt: Date;

  @Field({ description: 'When resendEmailEnrollmentCode will next be accepted.' })
  resendAvailableAt: Date;
}
