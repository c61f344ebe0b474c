import { Args, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { Principal } from '../../../common/auth/principal';
import { TwoFactorMethod } from '../../../common/auth/two-factor-method';
import { AllowPendingEnrollment, Public } from '../../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../../common/http/request-context';
import { JsonValue } from '../../../graphql/json.scalar';
import { AuthPayloadModel } from '../../auth/models/auth-payload.model';
import { TwoFactorChallengeModel } from '../../auth/models/two-factor-challenge.model';
import { EnrollmentResultModel } from '../../enrollment/models/enrollment-result.model';
import { TwoFactorStatusModel } from '../../enrollment/models/two-factor-status.model';
import { PasskeySignInInput } from './dto/passkey-sign-in.input';
import { PasskeyEnrollmentModel } from './models/passkey-enrollment.model';
import { PasskeySignInModel } from './models/passkey-sign-in.model';
import { PasskeyModel } from './models/passkey.model';
import { PasskeyEnrollmentService } from './passkey-enrollment.service';
import { PasskeyManagement } from './passkey-management.service';
import { PasskeySignInService } from './passkey-sign-in.service';
import { PasskeysService } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { WebAuthnChallenges } from './webauthn-challenges.service';

/** PASSKEY's own mutations: its enrollment, renaming and removing one, and the passwordless sign-in. */
@Resolver()
export class PasskeyResolver {
  constructor(
    private readonly enrollment: PasskeyEnrollmentService,
    private readonly management: PasskeyManagement,
    private readonly signIns: PasskeySignInService,
  ) {}

  @Mutation(() => PasskeyEnrollmentModel, {
    description: 'AUTHENTICATED or PENDING_ENROLLMENT. METHOD_NOT_AVAILABLE when the policy does not allow PASSKEY or WebAuthn is not configured.',
  })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  startPasskeyEnrollment(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('password', { type: () => String, nullable: true, description: 'Needed from an AUTHENTICATED session that has not entered the password or a second factor within policy.reauthenticationMinutes.' })
    password: string | null,
  ): Promise<PasskeyEnrollmentModel> {
    return this.enrollment.start(principal, password, client);
  }

  @Mutation(() => EnrollmentResultModel, {
    description: 'Registers the credential created from the options of startPasskeyEnrollment; name defaults to one made from the authenticator.',
  })
  @AllowPendingEnrollment()
  @SensitiveRateLimit()
  confirmPasskeyEnrollment(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('credential', { type: () => JsonValue, description: 'The RegistrationResponseJSON of navigator.credentials.create (credential.toJSON()).' }) credential: unknown,
    @Args('name', { type: () => String, nullable: true, description: 'A name for it; default one from the authenticator model or the browser.' }) name: string | null,
  ): Promise<EnrollmentResultModel> {
    return this.enrollment.confirm(principal, credential, name, client);
  }

  @Mutation(() => PasskeyModel, { description: 'AUTHENTICATED. Gives one of your passkeys a new name (1 to 64 characters).' })
  renamePasskey(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID, description: 'The passkey (Passkey.id).' }) id: string,
    @Args('name', { description: 'Its new name.' }) name: string,
  ): Promise<PasskeyModel> {
    return this.management.rename(principal, id, name);
  }

  @Mutation(() => TwoFactorStatusModel, {
    description: 'AUTHENTICATED. Needs the password again. Removing the last passkey turns PASSKEY off (and 2FA, if it was the last method).',
  })
  @SensitiveRateLimit()
  removePasskey(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'The passkey (Passkey.id).' }) id: string,
    @Args('password', { description: 'The account password, asked again.' }) password: string,
  ): Promise<TwoFactorStatusModel> {
    return this.management.remove(principal, id, password, client);
  }

  @Mutation(() => PasskeySignInModel, {
    description: 'Public. Starts a passwordless sign-in with a discoverable passkey (METHOD_NOT_AVAILABLE when the policy or the configuration does not allow it).',
  })
  @Public()
  @SensitiveRateLimit()
  startPasskeySignIn(): Promise<PasskeySignInModel> {
    return this.signIns.start();
  }

  @Mutation(() => AuthPayloadModel, {
    description:
      'Public. AUTHENTICATED on a valid, user-verified assertion of a passwordless passkey; INVALID_CREDENTIALS otherwise (one answer for every failure). The challenge is single-use.',
  })
  @Public()
  @SensitiveRateLimit()
  signInWithPasskey(@Args('input', { description: 'The challenge and the assertion answering it.' }) input: PasskeySignInInput, @Client() client: ClientInfo): Promise<AuthPayloadModel> {
    return this.signIns.signIn(input.challengeId, input.credential, client);
  }
}

/** TwoFactorStatus.passkeys: the passkey module adds the field to the core's model. */
@Resolver(() => TwoFactorStatusModel)
export class TwoFactorStatusPasskeysResolver {
  constructor(private readonly store: PasskeysService) {}

  @ResolveField('passkeys', () => [PasskeyModel], { description: "The user's registered passkeys; PASSKEY is among methods while there is one." })
  async passkeys(@Parent() status: TwoFactorStatusModel): Promise<PasskeyModel[]> {
    return (await this.store.list(status.userId)).map((passkey) => PasskeyModel.from(passkey));
  }
}

/** TwoFactorChallenge.passkeyOptions: the request options of the pending sign-in, when PASSKEY is offered. */
@Resolver(() => TwoFactorChallengeModel)
export class ChallengePasskeyOptionsResolver {
  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly challenges: WebAuthnChallenges,
    private readonly passkeys: PasskeysService,
  ) {}

  @ResolveField('passkeyOptions', () => JsonValue, {
    nullable: true,
    description: 'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get, when PASSKEY is among methods.',
  })
  async passkeyOptions(@Parent() challenge: TwoFactorChallengeModel): Promise<unknown> {
    const { sessionId, userId } = challenge;
    if (!sessionId || !userId || !challenge.methods.includes(TwoFactorMethod.PASSKEY) || !this.relyingParty.configured) return null;
    const [row, allow] = await Promise.all([this.challenges.forPendingSession(sessionId, userId), this.passkeys.list(userId)]);
    return this.relyingParty.protocol().authenticationOptions({ challenge: row.challenge, allow });
  }
}
