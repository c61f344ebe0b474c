import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EnrollmentModule } from '../../enrollment/enrollment.module';
import { MailModule } from '../../mail/mail.module';
import { UserMethodsModule } from '../user-methods/user-methods.module';
import { EmailCodeEntity } from './email-code.entity';
import { EmailCodesService } from './email-codes.service';
import { EmailEnrollmentResolver } from './email-enrollment.resolver';
import { EmailMethodHandler } from './email-method.handler';

/** EMAIL, a method like any integrator's: its handler (both halves), its codes, its enrollment mutations. */
@Module({
  imports: [TypeOrmModule.forFeature([EmailCodeEntity]), UserMethodsModule, MailModule, EnrollmentModule],
  providers: [EmailCodesService, EmailMethodHandler, EmailEnrollmentResolver],
  exports: [EmailCodesService],
})
export class EmailMethodModule {}
