import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { TwoFactorPolicy } from '../policy/policy.types';
import { TwoFactorMethodHandler } from './two-factor-method.handler';

/**
 * Every method in the application, found by discovery: each provider marked
 * @TwoFactorMethodHandler(), in any module (built-in or an integrator's).
 */
@Injectable()
export class TwoFactorMethodsRegistry implements OnApplicationBootstrap {
  private readonly handlers = new Map<string, TwoFactorMethodHandler>();

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: TwoFactorMethodHandler.KEY })) {
      const handler = wrapper.instance as TwoFactorMethodHandler | undefined;
      if (handler && !this.handlers.has(handler.method)) this.handlers.set(handler.method, handler);
    }
  }

  get(method: string): TwoFactorMethodHandler | undefined {
    return this.handlers.get(method);
  }

  all(): TwoFactorMethodHandler[] {
    return [...this.handlers.values()];
  }

  /** The methods that stand alone (not backup codes). */
  primaries(): TwoFactorMethodHandler[] {
    return this.all().filter((handler) => handler.primary);
  }

  /** The methods that never stand alone but are always offered (backup codes). */
  fallbacks(): TwoFactorMethodHandler[] {
    return this.all().filter((handler) => !handler.primary);
  }

  /**
   * The primary method, if it is installed and allowed by the policy;
   * METHOD_NOT_AVAILABLE otherwise. (Whether it is configured is the
   * method's own answer when it is used: EMAIL says SMTP_NOT_CONFIGURED.)
   */
  allowedPrimary(method: string, policy: TwoFactorPolicy): TwoFactorMethodHandler {
    const handler = this.handlers.get(method);
    if (!handler?.primary || !policy.allowedMethods.includes(method)) {
      throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${method} is not allowed by the security policy.`);
    }
    return handler;
  }

  /** Whether the method can be used now, apart from the policy (a configured mail server, WebAuthn...). */
  async isAvailable(handler: TwoFactorMethodHandler): Promise<boolean> {
    try {
      await handler.assertAvailable?.();
      return true;
    } catch (error) {
      if (error instanceof DomainException) return false;
      throw error;
    }
  }

  /** The methods this user can answer with now, primary ones first, in registration order. */
  async enabledFor(userId: string): Promise<TwoFactorMethodHandler[]> {
    const handlers = this.all();
    const enabled = await Promise.all(handlers.map((h) => h.isEnabled(userId)));
    return handlers.filter((_, i) => enabled[i]).sort((a, b) => Number(b.primary) - Number(a.primary));
  }
}
