import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { BackupCodesModule } from '../backup-codes/backup-codes.module';
import { AuthenticatorMethodModule } from '../methods/authenticator/authenticator-method.module';
import { EmailMethodModule } from '../methods/email/email-method.module';
import { UserMethodsModule } from '../methods/user-methods/user-methods.module';
import { UsersModule } from '../users/users.module';
import { EnrollmentResolver } from './enrollment.resolver';
import { EnrollmentService } from './enrollment.service';
import { PendingEnrollmentEntity } from './entities/pending-enrollment.entity';
import { TwoFactorStatusService } from './two-factor-status.service';
import { UserTwoFactorResolver } from './user-two-factor.resolver';

/**
 * Turning second factors on and off, with the built-in methods (email,
 * authenticator app) and backup codes. Exports TwoFactorStatusService (the
 * challenge reads the enabled and preferred methods from it),
 * EnrollmentService.enableMethod (integrators' enrollment flows end there)
 * and UserMethodsService (integrators' handlers answer isEnabled from it).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([PendingEnrollmentEntity]),
    UsersModule,
    AuthModule,
    UserMethodsModule,
    EmailMethodModule,
    AuthenticatorMethodModule,
    BackupCodesModule,
  ],
  providers: [EnrollmentService, TwoFactorStatusService, EnrollmentResolver, UserTwoFactorResolver],
  exports: [EnrollmentService, TwoFactorStatusService, UserMethodsModule, BackupCodesModule, EmailMethodModule, AuthenticatorMethodModule],
})
export class EnrollmentModule {}
