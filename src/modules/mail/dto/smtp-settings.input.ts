import { Field, InputType, Int } from '@nestjs/graphql';
import { Allow } from 'class-validator';

/**
 * The admin's Custom SMTP Server. Checked in SmtpSettingsService.validate (one
 * place, BAD_USER_INPUT naming the field); @Allow keeps the global
 * whitelisting ValidationPipe from stripping the fields.
 */
@InputType('SmtpSettingsInput')
export class SmtpSettingsInput {
  @Field()
  @Allow()
  host: string;

  @Field(() => Int)
  @Allow()
  port: number;

  @Field()
  @Allow()
  secure: boolean;

  @Field(() => String, { nullable: true })
  @Allow()
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'Omit to keep the stored password.' })
  @Allow()
  password?: string | null;

  @Field()
  @Allow()
  fromAddress: string;

  @Field(() => String, { nullable: true })
  @Allow()
  fromName?: string | null;
}
