import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TwoFactorMethodsRegistry } from './two-factor-methods.registry';

/** The registry of second-factor methods; the handlers themselves live in their feature modules. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [TwoFactorMethodsRegistry],
  exports: [TwoFactorMethodsRegistry],
})
export class MethodsModule {}
