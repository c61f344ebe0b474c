import { Clock, SystemClock } from '@app/clock';
import { KeyedHasher, SecretSealer } from '@app/crypto';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { KeyRingService } from './key-ring/key-ring.service';

/**
 * The security primitives from libs/, keyed by APP_SECRET, and the clock;
 * injectable everywhere. Tests pass their own clock to move time.
 *
 * SecretSealer seals under APP_SECRET (and opens under APP_SECRET_PREVIOUS
 * too). KeyedHasher's keys are data keys kept in the database, sealed under
 * APP_SECRET (the key ring): it is an async provider that loads them at boot.
 */
@Global()
@Module({})
export class SecurityModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    const providers = [
      { provide: Clock, useValue: clock },
      {
        provide: SecretSealer,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => new SecretSealer(config.appSecret, config.previousAppSecrets),
      },
      KeyRingService,
      { provide: KeyedHasher, inject: [KeyRingService], useFactory: (ring: KeyRingService) => ring.load() },
    ];
    return { module: SecurityModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}
