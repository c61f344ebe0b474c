import { Field, Int, ObjectType } from '@nestjs/graphql';
import { SmtpSettingsState } from '../mail.service';

@ObjectType('SmtpSettings', { description: 'The Custom SMTP Server mail goes through (never its password).' })
export class SmtpSettingsModel {
  @Field({ description: 'Whether an admin has set a Custom SMTP Server (otherwise SMTP_URL, if any, is used).' })
  configured: boolean;

  @Field(() => String, { nullable: true, description: 'The mail server host name or address.' })
  host: string | null;

  @Field(() => Int, { nullable: true, description: 'Its port, e.g. 587 or 465.' })
  port: number | null;

  @Field({ description: 'TLS from the first byte (port 465); false means STARTTLS when offered.' })
  secure: boolean;

  @Field(() => String, { nullable: true, description: 'The login name; null for a server without a login.' })
  username: string | null;

  @Field({ description: 'The password is never returned; this says whether one is stored.' })
  passwordSet: boolean;

  @Field(() => String, { nullable: true, description: 'The sender address of every message.' })
  fromAddress: string | null;

  @Field(() => String, { nullable: true, description: 'The sender name shown beside it.' })
  fromName: string | null;

  @Field(() => Date, { nullable: true, description: 'When an admin last changed them.' })
  updatedAt: Date | null;

  @Field({
    description:
      "Where mail goes now: 'settings' (this server), 'SMTP_URL' (the environment's fallback), 'development-mailbox' (the log; development only) or 'none'.",
  })
  source: string;

  static from(state: SmtpSettingsState): SmtpSettingsModel {
    const s = state.settings;
    return Object.assign(new SmtpSettingsModel(), {
      configured: s !== null,
      host: s?.host ?? null,
      port: s?.port ?? null,
      secure: s?.secure ?? false,
      username: s?.username ?? null,
      passwordSet: s?.passwordSet ?? false,
      fromAddress: s?.fromAddress ?? null,
      fromName: s?.fromName ?? null,
      updatedAt: s?.updatedAt ?? null,
      source: state.source,
    });
  }
}
