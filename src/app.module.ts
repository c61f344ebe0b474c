import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { Clock } from '@app/clock';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { GraphQLModule } from '@nestjs/graphql';
import { AccessControlModule } from './common/auth/access-control';
import { RolePermissions } from './common/auth/permissions';
import { formatGraphQLError } from './common/errors/format-error';
import { createValidationPipe } from './common/errors/validation';
import { SessionGuard } from './common/guards/session.guard';
import { graphqlLoggingPlugin } from './common/logging/request-logging';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { SecurityModule } from './common/security/security.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ideLandingPagePlugin, IdeAssetsController } from './graphql/ide';
import { GRAPHQL_LIMITS, operationLimitsRule } from './graphql/limits';
import { wellFormedInputPlugin } from './graphql/well-formed-input.plugin';
import { HealthModule } from './health/health.module';
import { ShutdownDrain } from './health/serving-state';
import { AuthModule } from './modules/auth/auth.module';
import { ChallengeModule } from './modules/challenge/challenge.module';
import { EnrollmentModule } from './modules/enrollment/enrollment.module';
import { MailModule } from './modules/mail/mail.module';
import { MethodsModule } from './modules/methods/methods.module';
import { PolicyAdminModule } from './modules/policy/policy-admin.module';
import { PolicyModule } from './modules/policy/policy.module';
import { RetentionModule } from './modules/retention/retention.module';
import { SecurityEventsModule } from './modules/security-events/security-events.module';
import { TrustedDevicesModule } from './modules/trusted-devices/trusted-devices.module';
import { UsersModule } from './modules/users/users.module';
import { MetricsModule } from './observability/metrics.module';
import type { Tracing } from './observability/tracing';

export interface AppModuleOptions {
  config: AppConfig;
  /** Tests pass a ManualClock to move time. */
  clock?: Clock;
  /** Where to write the generated schema; `true` keeps it in memory (tests). */
  schemaFile?: string | true;
  /** An integrator's roles and what each may do. */
  rolePermissions?: RolePermissions;
  /** Extra modules, e.g. an integrator's second-factor method. */
  imports?: ModuleMetadata['imports'];
  /** Started by main.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: Tracing;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        SecurityModule.forRoot(options.clock),
        AccessControlModule.forRoot(options.rolePermissions),
        EventEmitterModule.forRoot(),
        DatabaseModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: options.schemaFile ?? 'schema.gql',
          sortSchema: true,
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
        MetricsModule,
        SecurityEventsModule,
        PolicyModule,
        MailModule,
        MethodsModule,
        UsersModule,
        AuthModule,
        EnrollmentModule,
        ChallengeModule,
        TrustedDevicesModule,
        PolicyAdminModule,
        RetentionModule,
        ...(options.imports ?? []),
      ],
      controllers: config.graphqlIde ? [IdeAssetsController] : [],
      providers: [
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Here, in the root module, so that its onModuleDestroy runs before any imported module's.
        ShutdownDrain,
        ...(options.tracing ? tracingProviders(options.tracing) : []),
      ],
    };
  }
}

/** The operation-span interceptor, and the last spans exported when the application stops. */
function tracingProviders(tracing: Tracing): Provider[] {
  return [
    { provide: APP_INTERCEPTOR, useClass: tracing.interceptor },
    { provide: 'TRACING_FLUSH', useValue: { onApplicationShutdown: () => tracing.shutdown() } },
  ];
}
