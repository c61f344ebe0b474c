import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { TwoFactorMethodHandler } from './two-factor-method.handler';

/**
 * Every method handler in the application, found by discovery: each
 * provider marked @TwoFactorMethodHandler(), in any module.
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

  /** The methods this user can answer with now, primary ones first, in registration order. */
  async enabledFor(userId: string): Promise<TwoFactorMethodHandler[]> {
    const handlers = this.all();
    const enabled = await Promise.all(handlers.map((h) => h.isEnabled(userId)));
    return handlers.filter((_, i) => enabled[i]).sort((a, b) => Number(b.primary) - Number(a.primary));
  }
}
