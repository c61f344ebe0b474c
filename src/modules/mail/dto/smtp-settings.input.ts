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

  @Field(() => String, {
    nullable: true,
    description:
      'Omit to keep the stored password, which is kept only while host, port and username stay the same: changing any of them without a new password drops it (passwordSet false), so a changed server never receives the old one. A password is never sent to a server other than a loopback one without TLS (secure, or STARTTLS required).',
  })
  @Allow()
  password?: string | null;

  @Field()
  @Allow()
  fromAddress: string;

  @Field(() => String, { nullable: true })
  @Allow()
  fromName?: string | null;
}
