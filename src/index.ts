/**
 * Twofold's public surface for integrators: embedding Twofold in a host Nest
 * application, and building a second factor (or any extension) on it. What
 * is not exported here is internal and may change. docs/extending.md walks
 * through it.
 */

// Embedding
export { TwofoldModule, type TwofoldModuleOptions } from './twofold.module';
export { createApp, configureTwofoldHttp, type CreateAppOptions } from './bootstrap';
export { AppConfig, ConfigError, loadConfig, type LoadConfigOptions } from './config/app-config';
export { type TwofoldExtension } from './extensions/twofold-extension';

// The method contract
export {
  TwoFactorMethodHandler,
  type CancelRequest,
  type DeliveryReceipt,
  type DeliveryRequest,
  type EnrollmentBeginRequest,
  type EnrollmentCheckRequest,
  type EnrollmentPersistRequest,
  type EnrollmentState,
  type MethodEnrollment,
  type VerificationOutcome,
  type VerificationRequest,
} from './modules/methods/two-factor-method.handler';
export { registerTwoFactorMethodName, TwoFactorMethod } from './common/auth/two-factor-method';
export { normalizeSixDigitCode } from './modules/methods/six-digit-code';
export { MethodsModule } from './modules/methods/methods.module';
export { TwoFactorMethodsRegistry } from './modules/methods/two-factor-methods.registry';
export { UserMethodsService } from './modules/methods/user-methods/user-methods.service';

// Enrollment: a method's own mutations call these
export { EnrollmentModule } from './modules/enrollment/enrollment.module';
export { EnrollmentStarter, type StartedEnrollment } from './modules/enrollment/enrollment-starter.service';
export { EnrollmentConfirmation, type EnrollmentAnswer, type EnrollmentOutcome } from './modules/enrollment/enrollment-confirmation.service';
export { EnrollmentResultModel } from './modules/enrollment/models/enrollment-result.model';
export { TwoFactorStatusModel } from './modules/enrollment/models/two-factor-status.model';
export { TwoFactorStatusService, type TwoFactorStatus } from './modules/enrollment/two-factor-status.service';
export { MethodActivation } from './modules/enrollment/method-activation.service';

// Sign-in: a method's field resolvers on the challenge, its own passwordless sign-in (AuthService.signInWithoutPassword)
export { TwoFactorChallengeModel } from './modules/auth/models/two-factor-challenge.model';
export { AuthPayloadModel } from './modules/auth/models/auth-payload.model';
export { AuthModule } from './modules/auth/auth.module';
export { AuthService, type PasswordlessProof } from './modules/auth/auth.service';
export { PasswordConfirmation } from './modules/auth/password-confirmation.service';
export { JsonValue } from './graphql/json.scalar';

// Events
export { EventsModule } from './modules/events/events.module';
export { EventBus, OnAnyDomainEvent, OnDomainEvent } from './modules/events/event-bus';
export * from './modules/events/domain-events';
export { SecurityEventType } from './modules/security-events/security-event-type';

// Access, requests, errors
export { AllowAnyStage, AllowPendingEnrollment, AllowPendingTwoFactor, AllowStages, Public, RequirePermissions } from './common/decorators/access.decorators';
export { SensitiveRateLimit } from './common/decorators/rate-limit.decorator';
export { Client, CurrentPrincipal, type ClientInfo } from './common/http/request-context';
export { type Principal } from './common/auth/principal';
export { Role } from './common/auth/role';
export { SessionStage } from './common/auth/session-stage';
export { DEFAULT_ROLE_PERMISSIONS, Permission, RolePermissions, type AnyPermission } from './common/auth/permissions';
export { DomainException, type ErrorDetails } from './common/errors/domain.exception';
export { ErrorCode } from './common/errors/error-code';
/** Every code a client may see in extensions.code, as a string-literal type. */
export type TwofoldErrorCode = `${import('./common/errors/error-code').ErrorCode}`;

// Shared services an extension may use
export { PolicyService } from './modules/policy/policy.service';
export { type TwoFactorPolicy } from './modules/policy/policy.types';
export { type RetentionRule } from './modules/retention/retention.rules';
export { KeyedHasher, SecretSealer, randomDigits } from '@app/crypto';
export { Clock, ManualClock, addDays, addMinutes, addSeconds } from '@app/clock';
export { maskEmail } from './modules/users/email';
