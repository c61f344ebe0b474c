import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttemptsModule } from '../attempts/attempts.module';
import { AuthModule } from '../auth/auth.module';
import { SignInFlow } from '../auth/sign-in-flow';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { MethodsModule } from '../methods/methods.module';
import { TrustedDevicesModule } from '../trusted-devices/trusted-devices.module';
import { UsersModule } from '../users/users.module';
import { ChallengeBegin } from './challenge-begin.service';
import { ChallengeLockoutSubscriber } from './challenge-lockout.subscriber';
import { ChallengeResend } from './challenge-resend.service';
import { ChallengeSignInFlow } from './challenge-sign-in.flow';
import { ChallengeStore } from './challenge-store.service';
import { ChallengeVerify } from './challenge-verify.service';
import { ChallengeView } from './challenge-view.service';
import { ChallengeResolver, SessionChallengeResolver } from './challenge.resolver';
import { TwoFactorChallengeEntity } from './entities/two-factor-challenge.entity';
import { ChallengeMethods } from './offered-methods';
import { SignInReads } from './sign-in-reads.service';
import { SignInResolver } from './sign-in.resolver';

/**
 * Sign-in past the password: the SignInFlow (which stage the session gets),
 * the pending sign-in's challenge (begin, verify, resend, cancel) and the
 * signIn mutation. Knows methods only through the method contract.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TwoFactorChallengeEntity]), AuthModule, AttemptsModule, MethodsModule, EnrollmentModule, TrustedDevicesModule, UsersModule],
  providers: [
    ChallengeStore,
    ChallengeMethods,
    ChallengeView,
    ChallengeBegin,
    ChallengeVerify,
    ChallengeResend,
    ChallengeLockoutSubscriber,
    SignInReads,
    ChallengeSignInFlow,
    { provide: SignInFlow, useExisting: ChallengeSignInFlow },
    SignInResolver,
    ChallengeResolver,
    SessionChallengeResolver,
  ],
  exports: [SignInFlow],
})
export class ChallengeModule {}
