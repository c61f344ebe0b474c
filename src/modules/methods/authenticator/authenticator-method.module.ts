import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EnrollmentModule } from '../../enrollment/enrollment.module';
import { UserMethodsModule } from '../user-methods/user-methods.module';
import { AuthenticatorEnrollmentResolver } from './authenticator-enrollment.resolver';
import { AuthenticatorEnrollmentService } from './authenticator-enrollment.service';
import { AuthenticatorMethodHandler } from './authenticator-method.handler';
import { AuthenticatorSecretEntity } from './authenticator-secret.entity';
import { AuthenticatorSecretsService } from './authenticator-secrets.service';

/** AUTHENTICATOR_APP, a method like any integrator's: its handler (both halves), its secrets, its enrollment mutations. */
@Module({
  imports: [TypeOrmModule.forFeature([AuthenticatorSecretEntity]), UserMethodsModule, EnrollmentModule],
  providers: [AuthenticatorSecretsService, AuthenticatorMethodHandler, AuthenticatorEnrollmentService, AuthenticatorEnrollmentResolver],
  exports: [AuthenticatorSecretsService],
})
export class AuthenticatorMethodModule {}
