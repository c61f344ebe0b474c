import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { LoginThrottleEntity } from './entities/login-throttle.entity';

/** Failures older than this are forgotten: the count starts again. */
const FAILURE_WINDOW_MINUTES = 15;

/**
 * How password guessing is slowed. Failures are counted per account and per
 * client IP; past a free allowance each further failure doubles the wait
 * before the next try on that key. The wait on an account is capped low, so
 * an attacker can delay the real user by at most a minute, never lock them
 * out; an IP that keeps guessing waits longer.
 */
const RULES = {
  account: { freeFailures: 5, maxDelaySeconds: 60 },
  ip: { freeFailures: 20, maxDelaySeconds: 15 * 60 },
} as const;

type Scope = keyof typeof RULES;

function delaySeconds(scope: Scope, failures: number): number {
  const { freeFailures, maxDelaySeconds } = RULES[scope];
  if (failures < freeFailures) return 0;
  return Math.min(maxDelaySeconds, 2 ** Math.min(failures - freeFailures, 20));
}

@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectRepository(LoginThrottleEntity) private readonly throttles: Repository<LoginThrottleEntity>,
    private readonly hasher: KeyedHasher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private keys(normalizedEmail: string, ip: string | null): Record<Scope, string | null> {
    // The account key is a keyed hash: the table never lists email addresses.
    return { account: `account:${this.hasher.tokenDigest(normalizedEmail)}`, ip: ip ? `ip:${ip}` : null };
  }

  /** RATE_LIMITED with retryAfterSeconds while either key is in its delay. */
  async assertAllowed(normalizedEmail: string, ip: string | null): Promise<void> {
    const keys = Object.values(this.keys(normalizedEmail, ip)).filter((k): k is string => k !== null);
    const rows = await this.throttles.findBy({ throttleKey: In(keys) });
    const now = this.clock.now();
    const until = rows.map((r) => r.blockedUntil).filter((d): d is Date => d !== null && d > now);
    if (until.length === 0) return;
    const latest = new Date(Math.max(...until.map((d) => d.getTime())));
    const retryAfterSeconds = secondsUntil(latest, now);
    throw new DomainException(ErrorCode.RATE_LIMITED, `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`, {
      retryAfterSeconds,
    });
  }

  async recordFailure(normalizedEmail: string, ip: string | null): Promise<void> {
    const keys = this.keys(normalizedEmail, ip);
    for (const scope of Object.keys(RULES) as Scope[]) {
      const key = keys[scope];
      if (key) await this.increment(scope, key);
    }
  }

  /** A correct password clears the account's count (not the IP's: one good account must not launder an IP). */
  async recordSuccess(normalizedEmail: string): Promise<void> {
    await this.throttles.delete({ throttleKey: this.keys(normalizedEmail, null).account! });
  }

  private async increment(scope: Scope, key: string): Promise<void> {
    const now = this.clock.now();
    const windowStart = addMinutes(now, -FAILURE_WINDOW_MINUTES);
    // Atomic increment; a failure outside the window starts the count again.
    const updated = await this.throttles
      .createQueryBuilder()
      .update()
      .set({ failures: () => 'CASE WHEN lastFailureAt < :windowStart THEN 1 ELSE failures + 1 END', lastFailureAt: now })
      .where('throttleKey = :key', { key })
      .setParameter('windowStart', windowStart)
      .execute();
    if ((updated.affected ?? 0) === 0) {
      try {
        await this.throttles.insert({ throttleKey: key, failures: 1, lastFailureAt: now, blockedUntil: null });
      } catch (error) {
        if (!(error instanceof QueryFailedError)) throw error;
        return this.increment(scope, key); // another request inserted it first
      }
    }
    const row = await this.throttles.findOneBy({ throttleKey: key });
    const delay = row ? delaySeconds(scope, row.failures) : 0;
    if (delay > 0) await this.throttles.update({ throttleKey: key }, { blockedUntil: addSeconds(now, delay) });
  }
}
