import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { Clock } from '@app/clock';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_GUARD, APP_PIPE } from '@nestjs/core';
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
}

/** Configuration, keys, permissions, events and the database: what everything else stands on. */
function foundationModules(options: AppModuleOptions): NonNullable<ModuleMetadata['imports']> {
  return [
    ConfigModule.forRoot(options.config),
    SecurityModule.forRoot(options.clock),
    AccessControlModule.forRoot(options.rolePermissions),
    EventEmitterModule.forRoot(),
    DatabaseModule,
  ];
}

/**
 * The features, for the server and the operator commands (src/cli) alike:
 * a command sees every method, listener and rule an integrator's module adds.
 */
function featureModules(options: AppModuleOptions): NonNullable<ModuleMetadata['imports']> {
  return [
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
  ];
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        ...foundationModules(options),
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
          ],
          // Limits (src/graphql/limits.ts): tokens at parse, depth/fields/aliases at validation; no array batching.
          parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
          validationRules: [operationLimitsRule()],
          allowBatchedHttpRequests: false,
          hideSchemaDetailsFromClientErrors: !config.graphqlIde,
        }),
        RateLimitModule.forRoot(config),
        HealthModule,
        ...featureModules(options),
      ],
      controllers: config.graphqlIde ? [IdeAssetsController] : [],
      providers: [
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }

  /** The same application without HTTP, GraphQL or rate limits: the operator commands (src/cli) run on it. */
  static commandLine(options: AppModuleOptions): DynamicModule {
    // HealthModule: features register their health indicators with it (its controller needs no listener).
    return { module: AppModule, imports: [...foundationModules(options), HealthModule, ...featureModules(options)] };
  }
}
