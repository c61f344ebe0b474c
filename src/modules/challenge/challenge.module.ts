import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { SignInFlow } from '../auth/sign-in-flow';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { UsersModule } from '../users/users.module';
import { AttemptsResetListener } from './attempts-reset.listener';
import { AttemptsService } from './attempts.service';
import { ChallengeSignInFlow } from './challenge-sign-in.flow';
import { ChallengeResolver, SessionChallengeResolver } from './challenge.resolver';
import { ChallengeService } from './challenge.service';
import { CodeSendsService } from './code-sends.service';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';
import { TwoFactorCodeSendsEntity } from './entities/two-factor-code-sends.entity';

/**
 * The pending-2FA sign-in. Global so that AuthService (auth module) can
 * inject the SignInFlow it provides.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([TwoFactorAttemptsEntity, TwoFactorChallengeEntity, TwoFactorCodeSendsEntity]), AuthModule, UsersModule, EnrollmentModule],
  providers: [
    AttemptsService,
    AttemptsResetListener,
    CodeSendsService,
    ChallengeService,
    ChallengeSignInFlow,
    { provide: SignInFlow, useExisting: ChallengeSignInFlow },
    ChallengeResolver,
    SessionChallengeResolver,
  ],
  exports: [SignInFlow, AttemptsService],
})
export class ChallengeModule {}
