import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { SignInFlow } from '../auth/sign-in-flow';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { UsersModule } from '../users/users.module';
import { AttemptsService } from './attempts.service';
import { ChallengeSignInFlow } from './challenge-sign-in.flow';
import { ChallengeResolver, SessionChallengeResolver } from './challenge.resolver';
import { ChallengeService } from './challenge.service';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';

/**
 * The pending-2FA sign-in. Global so that AuthService (auth module) can
 * inject the SignInFlow it provides.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([TwoFactorAttemptsEntity, TwoFactorChallengeEntity]), AuthModule, UsersModule, EnrollmentModule],
  providers: [
    AttemptsService,
    ChallengeService,
    ChallengeSignInFlow,
    { provide: SignInFlow, useExisting: ChallengeSignInFlow },
    ChallengeResolver,
    SessionChallengeResolver,
  ],
  exports: [SignInFlow, AttemptsService],
})
export class ChallengeModule {}
