import { Clock, SystemClock } from '@app/clock';
import { KeyedHasher, SecretSealer } from '@app/crypto';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';

/**
 * The security primitives from libs/, keyed by APP_SECRET, and the clock;
 * injectable everywhere. Tests pass their own clock to move time.
 */
@Global()
@Module({})
export class SecurityModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    const providers = [
      { provide: Clock, useValue: clock },
      { provide: KeyedHasher, inject: [AppConfig], useFactory: (config: AppConfig) => new KeyedHasher(config.appSecret, config.previousAppSecrets) },
      {
        provide: SecretSealer,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => new SecretSealer(config.appSecret, config.previousAppSecrets),
      },
    ];
    return { module: SecurityModule, providers, exports: providers.map((p) => p.provide) };
  }
}
