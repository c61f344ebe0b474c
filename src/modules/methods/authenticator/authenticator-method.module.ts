import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserMethodsModule } from '../user-methods/user-methods.module';
import { AuthenticatorMethodHandler } from './authenticator-method.handler';
import { AuthenticatorSecretEntity } from './authenticator-secret.entity';
import { AuthenticatorSecretsService } from './authenticator-secrets.service';

@Module({
  imports: [TypeOrmModule.forFeature([AuthenticatorSecretEntity]), UserMethodsModule],
  providers: [AuthenticatorSecretsService, AuthenticatorMethodHandler],
  exports: [AuthenticatorSecretsService, AuthenticatorMethodHandler],
})
export class AuthenticatorMethodModule {}
