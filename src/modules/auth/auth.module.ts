import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionStrategy } from '../../common/guards/session.guard';
import { EventsModule } from '../events/events.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AuthPayloadResolver } from './auth-payload.resolver';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { BearerStrategy } from './bearer.strategy';
import { LoginThrottleEntity } from './entities/login-throttle.entity';
import { SessionEntity } from './entities/session.entity';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordConfirmation } from './password-confirmation.service';
import { SessionIssuer } from './session-issuer.service';
import { SessionAdmin } from './session-admin.service';
import { SessionsResolver } from './sessions.resolver';
import { SessionsService } from './sessions.service';

/**
 * Passwords and sessions: signIn (which hands the stage decision to the
 * SignInFlow the challenge module provides), the bearer strategy behind the
 * global guard, the password asked again, and the SessionIssuer every module
 * that ends a sign-in opens its session with.
 */
@Module({
  imports: [PassportModule, UsersModule, EventsModule, SecurityEventsModule, TypeOrmModule.forFeature([SessionEntity, LoginThrottleEntity])],
  providers: [
    AuthService,
    AuthResolver,
    AuthPayloadResolver,
    SessionsService,
    SessionIssuer,
    PasswordConfirmation,
    BearerStrategy,
    { provide: SessionStrategy, useExisting: BearerStrategy },
    LoginThrottleService,
    SessionAdmin,
    SessionsResolver,
  ],
  exports: [AuthService, SessionsService, SessionIssuer, PasswordConfirmation, SessionStrategy],
})
export class AuthModule {}
