import { Field, Int, ObjectType } from '@nestjs/graphql';
import { SmtpSettingsState } from '../mail.service';

@ObjectType('SmtpSettings')
export class SmtpSettingsModel {
  @Field({ description: 'Whether an admin has set a Custom SMTP Server (otherwise SMTP_URL, if any, is used).' })
  configured: boolean;

  @Field(() => String, { nullable: true })
  host: string | null;

  @Field(() => Int, { nullable: true })
  port: number | null;

  @Field({ description: 'TLS from the first byte (port 465); false means STARTTLS when offered.' })
  secure: boolean;

  @Field(() => String, { nullable: true })
  username: string | null;

  @Field({ description: 'The password is never returned; this says whether one is stored.' })
  passwordSet: boolean;

  @Field(() => String, { nullable: true })
  fromAddress: string | null;

  @Field(() => String, { nullable: true })
  fromName: string | null;

  @Field(() => Date, { nullable: true })
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
