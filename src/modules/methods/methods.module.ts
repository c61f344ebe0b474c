import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AttemptsModule } from '../attempts/attempts.module';
import { CodeDelivery } from './code-delivery.service';
import { TwoFactorMethodsRegistry } from './two-factor-methods.registry';
import { UserMethodsModule } from './user-methods/user-methods.module';

/**
 * The method contract's core side: the registry of every installed method
 * (found by discovery) and the charged delivery of codes. The methods
 * themselves live in their own modules (email, authenticator, backup codes,
 * an integrator's).
 */
@Module({
  imports: [DiscoveryModule, AttemptsModule, UserMethodsModule],
  providers: [TwoFactorMethodsRegistry, CodeDelivery],
  exports: [TwoFactorMethodsRegistry, CodeDelivery, UserMethodsModule],
})
export class MethodsModule {}
