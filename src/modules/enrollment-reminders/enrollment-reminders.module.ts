import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { UsersModule } from '../users/users.module';
import { EnrollmentReminders } from './enrollment-reminders.service';

/** The scheduled job that mails users in their enrollment grace (policy.enrollmentGraceDays). */
@Module({
  imports: [UsersModule, MailModule],
  providers: [EnrollmentReminders],
  exports: [EnrollmentReminders],
})
export class EnrollmentRemindersModule {}
