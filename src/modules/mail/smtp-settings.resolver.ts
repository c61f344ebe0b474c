import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { RequirePermissions } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { SmtpSettingsInput } from './dto/smtp-settings.input';
import { MailService } from './mail.service';
import { SmtpSettingsModel } from './models/smtp-settings.model';

@Resolver(() => SmtpSettingsModel)
export class SmtpSettingsResolver {
  constructor(private readonly mail: MailService) {}

  @Query(() => SmtpSettingsModel, { description: 'ADMIN.' })
  @RequirePermissions(Permission.SMTP_MANAGE)
  async smtpSettings(): Promise<SmtpSettingsModel> {
    return SmtpSettingsModel.from(await this.mail.smtpSettings());
  }

  @Mutation(() => SmtpSettingsModel, { description: 'ADMIN.' })
  @RequirePermissions(Permission.SMTP_MANAGE)
  async updateSmtpSettings(
    @Args('input', { description: 'The server and its sender.' }) input: SmtpSettingsInput,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<SmtpSettingsModel> {
    return SmtpSettingsModel.from(await this.mail.updateSmtpSettings(input, principal.userId, client));
  }

  @Mutation(() => Boolean, {
    description:
      "ADMIN. Sends a test message through the configured server. On failure the error names a category (connection refused, timeout, TLS, authentication, rejected), never the remote server's own text.",
  })
  @RequirePermissions(Permission.SMTP_MANAGE)
  async sendTestEmail(@Args('to', { description: 'The address to send the test message to.' }) to: string): Promise<boolean> {
    return this.mail.sendTestEmail(to);
  }
}
