import { MailerModule } from '@nestjs-modules/mailer';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config/app-config';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { MailOutboxEntity } from './entities/mail-outbox.entity';
import { SmtpSettingsEntity } from './entities/smtp-settings.entity';
import { MailHealthIndicator } from './mail-health.indicator';
import { MailNoticesListener } from './mail-notices.listener';
import { MailQueueMetrics } from './mail-queue.metrics';
import { MailTransport, SEND_TIMEOUT_MS } from './mail-transport.service';
import { MailService } from './mail.service';
import { MailWorker } from './mail.worker';
import { SmtpSettingsResolver } from './smtp-settings.resolver';
import { SmtpSettingsService } from './smtp-settings.service';
import { MailRenderer } from './templates/mail-renderer';

/**
 * Mail: templates, the admin's SMTP server, the outbox and its worker.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SmtpSettingsEntity, MailOutboxEntity]),
    // The real transporters are added at run time (MailTransport) from the settings or SMTP_URL;
    // the module insists on one at boot, so it gets an inert placeholder that nothing sends through.
    // sendTimeout only stops the waiting: MailTransport then aborts the SMTP conversation itself.
    MailerModule.forRoot({ transport: { jsonTransport: true }, sendTimeout: SEND_TIMEOUT_MS }),
    UsersModule,
    EventsModule,
  ],
  providers: [
    { provide: MailRenderer, inject: [AppConfig], useFactory: (config: AppConfig) => new MailRenderer(config.appName) },
    SmtpSettingsService,
    MailTransport,
    MailService,
    MailWorker,
    MailNoticesListener,
    MailHealthIndicator,
    MailQueueMetrics,
    SmtpSettingsResolver,
  ],
  exports: [MailService],
})
export class MailModule {}
