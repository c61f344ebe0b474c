import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionStrategy } from '../../common/guards/session.guard';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { BearerStrategy } from './bearer.strategy';
import { LoginThrottleEntity } from './entities/login-throttle.entity';
import { SessionEntity } from './entities/session.entity';
import { LoginThrottleService } from './login-throttle.service';
import { SessionsService } from './sessions.service';

@Module({
  imports: [PassportModule, UsersModule, TypeOrmModule.forFeature([SessionEntity, LoginThrottleEntity])],
  providers: [
    AuthService,
    AuthResolver,
    SessionsService,
    BearerStrategy,
    { provide: SessionStrategy, useExisting: BearerStrategy },
    LoginThrottleService,
  ],
  exports: [AuthService, SessionsService, SessionStrategy],
})
export class AuthModule {}
