import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { Clock } from '@app/clock';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { GraphQLModule } from '@nestjs/graphql';
import { AccessControlModule } from './common/auth/access-control';
import { RolePermissions } from './common/auth/permissions';
import { formatGraphQLError } from './common/errors/format-error';
import { DomainExceptionHttpFilter } from './common/errors/http-exception.filter';
import { createValidationPipe } from './common/errors/validation';
import { SessionGuard } from './common/guards/session.guard';
import { graphqlLoggingPlugin } from './common/logging/request-logging';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { SecurityModule } from './common/security/security.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { TwofoldExtension, TwofoldExtensions } from './extensions/twofold-extension';
import { IdeModule, ideLandingPagePlugin } from './graphql/ide';
import { JsonScalar } from './graphql/json.scalar';
import { describeRootTypes } from './graphql/root-descriptions';
import { GRAPHQL_LIMITS, operationLimitsRule } from './graphql/limits';
import { wellFormedInputPlugin } from './graphql/well-formed-input.plugin';
import { HealthModule } from './health/health.module';
import { OperationsInFlight, ShutdownDrain } from './health/serving-state';
import { AuthModule } from './modules/auth/auth.module';
import { BackupCodesModule } from './modules/backup-codes/backup-codes.module';
import { ChallengeModule } from './modules/challenge/challenge.module';
import { EnrollmentModule } from './modules/enrollment/enrollment.module';
import { EnrollmentRemindersModule } from './modules/enrollment-reminders/enrollment-reminders.module';
import { MailModule } from './modules/mail/mail.module';
import { AuthenticatorMethodModule } from './modules/methods/authenticator/authenticator-method.module';
import { EmailMethodModule } from './modules/methods/email/email-method.module';
import { PasskeyMethodModule } from './modules/methods/passkey/passkey-method.module';
import { PolicyAdminModule } from './modules/policy/policy-admin.module';
import { PolicyModule } from './modules/policy/policy.module';
import { RetentionModule } from './modules/retention/retention.module';
import { SecurityEventsModule } from './modules/security-events/security-events.module';
import { TrustedDevicesModule } from './modules/trusted-devices/trusted-devices.module';
import { UserAdminModule } from './modules/user-admin/user-admin.module';
import { UsersModule } from './modules/users/users.module';
import { MetricsModule } from './observability/metrics.module';
import type { Tracing } from './observability/tracing';

export interface TwofoldModuleOptions {
  /** The validated configuration: loadConfig(process.env), or built by the host app. */
  config: AppConfig;
  /** Tests pass a ManualClock to move time. */
  clock?: Clock;
  /**
   * Where to write the generated schema; `true` keeps it in memory. Default:
   * schema.gql in development, in memory in production (the build writes it,
   * and the root filesystem may be read-only).
   */
  schemaFile?: string | true;
  /** An integrator's roles and what each may do (default: ADMIN everything, AGENT nothing more than their own account). */
  rolePermissions?: RolePermissions;
  /** Extra modules, e.g. an integrator's second-factor method (each with its TwofoldModule.forFeature). */
  imports?: ModuleMetadata['imports'];
  /** Started by main.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: Tracing;
}

/** Configuration, keys, permissions, events and the database: what everything else stands on. */
function foundationModules(options: TwofoldModuleOptions): NonNullable<ModuleMetadata['imports']> {
  return [
    ConfigModule.forRoot(options.config),
    SecurityModule.forRoot(options.clock),
    AccessControlModule.forRoot(options.rolePermissions),
    EventEmitterModule.forRoot(),
    DatabaseModule,
    // Counters the features increment (the metrics server itself starts only with METRICS_PORT).
    MetricsModule,
  ];
}

/**
 * The features, for the server and the operator commands (src/cli) alike:
 * a command sees every method, listener and rule an integrator's module adds.
 */
function featureModules(options: TwofoldModuleOptions): NonNullable<ModuleMetadata['imports']> {
  return [
    SecurityEventsModule,
    PolicyModule,
    MailModule,
    UsersModule,
    AuthModule,
    EnrollmentModule,
    ChallengeModule,
    // The built-in methods, plugged in like an integrator's.
    EmailMethodModule,
    AuthenticatorMethodModule,
    PasskeyMethodModule,
    BackupCodesModule,
    TrustedDevicesModule,
    PolicyAdminModule,
    UserAdminModule,
    EnrollmentRemindersModule,
    RetentionModule,
    ...(options.imports ?? []),
  ];
}

/**
 * Twofold as one Nest module: the GraphQL API, its guard, the built-in
 * methods and everything they need. `forRoot` once, in the application (or
 * a host application's) root module; `forFeature` in each extension's own
 * module, for what an extension adds besides its providers (tables,
 * migrations, retention rules, error codes, permissions).
 */
@Module({})
export class TwofoldModule {
  static forRoot(options: TwofoldModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: TwofoldModule,
      imports: [
        ...foundationModules(options),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: options.schemaFile ?? (config.production ? true : 'schema.gql'),
          sortSchema: true,
          transformSchema: describeRootTypes,
          transformAutoSchemaFile: true,
          graphiql: false,
          introspection: config.graphqlIde,
          csrfPrevention: true,
          includeStacktraceInErrorResponses: false,
          autoTransformHttpErrors: false,
          formatError: formatGraphQLError,
          context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
          plugins: [
            config.graphqlIde ? ideLandingPagePlugin(config.appName) : ApolloServerPluginLandingPageDisabled(),
            graphqlLoggingPlugin(),
            wellFormedInputPlugin(),
            ...(options.tracing ? [options.tracing.apolloPlugin] : []),
          ],
          // Limits (src/graphql/limits.ts): tokens at parse, depth/fields/aliases at validation; no array batching.
          parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
          validationRules: [operationLimitsRule()],
          allowBatchedHttpRequests: false,
          hideSchemaDetailsFromClientErrors: !config.graphqlIde,
        }),
        RateLimitModule.forRoot(config),
        HealthModule,
        ...(config.graphqlIde ? [IdeModule] : []),
        ...featureModules(options),
      ],
      providers: [
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Twofold's errors thrown in a host app's REST controllers answer with their HTTP status, not a bare 500.
        { provide: APP_FILTER, useClass: DomainExceptionHttpFilter },
        JsonScalar,
        // Here, in the root module, so that its onModuleDestroy runs before any imported module's.
        ShutdownDrain,
        OperationsInFlight,
        ...(options.tracing ? tracingProviders(options.tracing) : []),
      ],
    };
  }

  /** The same application without HTTP, GraphQL or rate limits: the operator commands (src/cli) run on it. */
  static commandLine(options: TwofoldModuleOptions): DynamicModule {
    // HealthModule: features register their health indicators with it (its controller needs no listener).
    return { module: TwofoldModule, imports: [...foundationModules(options), HealthModule, ...featureModules(options)] };
  }

  /** What an extension adds (see TwofoldExtension); import it in the extension's own module. */
  static forFeature(extension: TwofoldExtension): DynamicModule {
    TwofoldExtensions.add(extension);
    return { module: TwofoldFeatureModule, providers: [{ provide: `TWOFOLD_EXTENSION:${extension.name}`, useValue: extension }] };
  }
}

/** The operation-span interceptor, and the last spans exported when the application stops. */
function tracingProviders(tracing: Tracing): Provider[] {
  return [
    { provide: APP_INTERCEPTOR, useClass: tracing.interceptor },
    { provide: 'TRACING_FLUSH', useValue: { onApplicationShutdown: () => tracing.shutdown() } },
  ];
}

/** The (empty) module forFeature returns: registration happens when forFeature is called. */
@Module({})
class TwofoldFeatureModule {}
