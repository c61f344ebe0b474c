import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { GraphQLThrottlerGuard } from './graphql-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const SENSITIVE_THROTTLER = 'sensitive';

/**
 * Per-client rate limits on the operations marked @SensitiveRateLimit().
 * RATE_LIMITS=off leaves the guard out entirely (load tests); REDIS_URL
 * moves the counts from this process's memory to Redis, shared by every
 * instance.
 */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.rateLimits) return { module: RateLimitModule };
    const guard: Provider = { provide: APP_GUARD, useClass: GraphQLThrottlerGuard };
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (appConfig: AppConfig) => ({
            throttlers: [{ name: SENSITIVE_THROTTLER, ttl: 60_000, limit: appConfig.rateLimitPerMinute }],
            // Closed at shutdown through its provider's onApplicationShutdown.
            storage: appConfig.redisUrl ? new RedisThrottlerStorage(appConfig.redisUrl) : new ThrottlerStorageService(),
          }),
        }),
      ],
      providers: [guard],
    };
  }
}
