import { Injectable } from '@nestjs/common';
import { TwoFactorStatusService } from '../enrollment/two-factor-status.service';
import { TwoFactorMethodHandler } from '../methods/two-factor-method.handler';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { TwoFactorPolicy } from '../policy/policy.types';

/** The user's enabled primary methods as handlers, and what the challenge offers of them. */
export interface UserMethods {
  /** Every enabled primary method, allowed by the policy or not: the user has 2FA when there is one. */
  enabled: TwoFactorMethodHandler[];
  /** The enabled ones the policy allows (preferred first): what the challenge offers. */
  primaries: TwoFactorMethodHandler[];
  /** The preferred method, when the policy allows it. */
  preferred: TwoFactorMethodHandler | null;
}

/**
 * The user's enabled primary methods as handlers (methods whose handler is
 * not installed are left out); of those, the ones the policy allows
 * (preferred first) and the preferred one if allowed. A user whose methods
 * are all disallowed still has 2FA: the challenge offers the fallbacks.
 */
export function offeredMethods(
  registry: TwoFactorMethodsRegistry,
  status: { methods: string[]; preferredMethod: string | null },
  policy: TwoFactorPolicy,
): UserMethods {
  const enabled = status.methods.map((m) => registry.get(m)).filter((h): h is TwoFactorMethodHandler => h !== undefined && h.primary);
  const allowed = enabled.filter((h) => policy.allowedMethods.includes(h.method));
  const preferred = allowed.find((h) => h.method === status.preferredMethod) ?? null;
  return { enabled, primaries: preferred ? [preferred, ...allowed.filter((h) => h !== preferred)] : allowed, preferred };
}

/**
 * The handler that sends codes for this challenge: the one that sent
 * before, else the preferred one, else the first offered that delivers;
 * null when none does.
 */
export function delivererOf(methods: UserMethods, deliveredMethod: string | null): TwoFactorMethodHandler | null {
  const delivering = methods.primaries.filter((h) => typeof h.deliver === 'function');
  return delivering.find((h) => h.method === deliveredMethod) ?? delivering[0] ?? null;
}

/** The methods a user's challenge offers, read fresh (one indexed read). */
@Injectable()
export class ChallengeMethods {
  constructor(
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly status: TwoFactorStatusService,
  ) {}

  async forUser(userId: string, policy: TwoFactorPolicy): Promise<UserMethods> {
    return this.of(await this.enabled(userId), policy);
  }

  /** The user's enabled methods and preferred one (to read beside other things, then pass to of()). */
  enabled(userId: string): Promise<{ methods: string[]; preferredMethod: string | null }> {
    return this.status.enabledMethods(userId);
  }

  /** For a status already read. */
  of(status: { methods: string[]; preferredMethod: string | null }, policy: TwoFactorPolicy): UserMethods {
    return offeredMethods(this.registry, status, policy);
  }
}
