import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttemptsModule } from '../../attempts/attempts.module';
import { AuthModule } from '../../auth/auth.module';
import { EnrollmentModule } from '../../enrollment/enrollment.module';
import { EventsModule } from '../../events/events.module';
import { UsersModule } from '../../users/users.module';
import { UserMethodsModule } from '../user-methods/user-methods.module';
import { PasskeyEntity } from './entities/passkey.entity';
import { WebAuthnChallengeEntity } from './entities/webauthn-challenge.entity';
import { PasskeyAssertions } from './passkey-assertions.service';
import { PasskeyEnrollmentService } from './passkey-enrollment.service';
import { PasskeyManagement } from './passkey-management.service';
import { PasskeyMethodHandler } from './passkey-method.handler';
import { PasskeySignInService } from './passkey-sign-in.service';
import { ChallengePasskeyOptionsResolver, PasskeyResolver, TwoFactorStatusPasskeysResolver } from './passkey.resolver';
import { PasskeysService } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { WebAuthnChallenges } from './webauthn-challenges.service';

/**
 * PASSKEY (WebAuthn), a method like any integrator's: its handler (both
 * halves of the contract), its tables, its mutations, the fields it adds to
 * the core's TwoFactorStatus and TwoFactorChallenge. Being built in, its
 * tables, migration and retention rule are in the core lists (ALL_ENTITIES,
 * ALL_MIGRATIONS, RETENTION_RULES), as EMAIL's are, not in a
 * TwofoldModule.forFeature(): the migration CLI (ormconfig.ts) and the
 * schema-drift test read only those lists, and a module that TwofoldModule
 * imports cannot import TwofoldModule back.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([PasskeyEntity, WebAuthnChallengeEntity]),
    UserMethodsModule,
    EnrollmentModule,
    AuthModule,
    AttemptsModule,
    EventsModule,
    UsersModule,
  ],
  providers: [
    RelyingParty,
    WebAuthnChallenges,
    PasskeysService,
    PasskeyAssertions,
    PasskeyMethodHandler,
    PasskeyEnrollmentService,
    PasskeyManagement,
    PasskeySignInService,
    PasskeyResolver,
    TwoFactorStatusPasskeysResolver,
    ChallengePasskeyOptionsResolver,
  ],
})
export class PasskeyMethodModule {}
