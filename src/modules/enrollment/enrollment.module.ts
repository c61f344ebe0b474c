import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttemptsModule } from '../attempts/attempts.module';
import { AuthModule } from '../auth/auth.module';
import { BackupCodesModule } from '../backup-codes/backup-codes.module';
import { EventsModule } from '../events/events.module';
import { MethodsModule } from '../methods/methods.module';
import { UsersModule } from '../users/users.module';
import { EnrollmentConfirmation } from './enrollment-confirmation.service';
import { SessionEnrollmentDueResolver } from './enrollment-due.resolver';
import { EnrollmentResetSubscriber } from './enrollment-reset.subscriber';
import { EnrollmentResolver } from './enrollment.resolver';
import { EnrollmentStarter } from './enrollment-starter.service';
import { PendingEnrollmentEntity } from './entities/pending-enrollment.entity';
import { MethodActivation } from './method-activation.service';
import { MethodSettings } from './method-settings.service';
import { PendingEnrollmentsService } from './pending-enrollments.service';
import { TwoFactorStatusService } from './two-factor-status.service';
import { UserTwoFactorResolver } from './user-two-factor.resolver';

/**
 * Setting second factors up, for every method alike (a method's module adds
 * its own mutations and calls EnrollmentStarter and EnrollmentConfirmation),
 * and turning them off. Knows methods only through the method contract.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PendingEnrollmentEntity]), AuthModule, AttemptsModule, MethodsModule, BackupCodesModule, EventsModule, UsersModule],
  providers: [
    PendingEnrollmentsService,
    EnrollmentResetSubscriber,
    EnrollmentStarter,
    EnrollmentConfirmation,
    MethodActivation,
    MethodSettings,
    TwoFactorStatusService,
    EnrollmentResolver,
    UserTwoFactorResolver,
    SessionEnrollmentDueResolver,
  ],
  exports: [EnrollmentStarter, EnrollmentConfirmation, MethodActivation, TwoFactorStatusService, PendingEnrollmentsService],
})
export class EnrollmentModule {}
