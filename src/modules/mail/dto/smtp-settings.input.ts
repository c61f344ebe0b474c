import { Field, InputType, Int } from '@nestjs/graphql';
import { Allow } from 'class-validator';

/**
 * The admin's Custom SMTP Server. Checked in SmtpSettingsService.validate (one
 * place, BAD_USER_INPUT naming the field); @Allow keeps the global
 * whitelisting ValidationPipe from stripping the fields.
 */
@InputType('SmtpSettingsInput', { description: 'The Custom SMTP Server to send through.' })
export class SmtpSettingsInput {
  @Field({ description: 'Host name or address (SMTP_ALLOWED_HOSTS may restrict it).' })
  @Allow()
  host: string;

  @Field(() => Int, { description: 'Port, 1 to 65535.' })
  @Allow()
  port: number;

  @Field({ description: 'TLS from the first byte (port 465); false: STARTTLS, required before a password is sent to a server that is not loopback.' })
  @Allow()
  secure: boolean;

  @Field(() => String, { nullable: true, description: 'The login name; omit for a server without a login.' })
  @Allow()
  username?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Omit to keep the stored password, which is kept only while host, port and username stay the same: changing any of them without a new password drops it (passwordSet false), so a changed server never receives the old one. A password is never sent to a server other than a loopback one without TLS (secure, or STARTTLS required).',
  })
  @Allow()
  password?: string | null;

  @Field({ description: 'The sender address of every message.' })
  @Allow()
  fromAddress: string;

  @Field(() => String, { nullable: true, description: 'The sender name shown beside it.' })
  @Allow()
  fromName?: string | null;
}
