import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { LoginThrottleEntity } from './entities/login-throttle.entity';

/** Failures older than this are forgotten: the count starts again. */
const FAILURE_WINDOW_MINUTES = 15;
/** Compare-and-set rounds before a racing request is told to retry. */
const CLAIM_ROUNDS = 8;

/**
 * How password guessing is slowed. Tries are counted per account and per
 * client IP; past a free allowance each further try doubles the wait before
 * the next one on that key. The wait on an account is capped low, so an
 * attacker can delay the real user by at most a minute, never lock them out;
 * an IP that keeps guessing waits longer (the allowance is generous: a busy
 * office shares one NAT address).
 */
const RULES = {
  account: { freeFailures: 5, maxDelaySeconds: 60 },
  ip: { freeFailures: 100, maxDelaySeconds: 5 * 60 },
} as const;

type Scope = keyof typeof RULES;

function delaySeconds(scope: Scope, failures: number): number {
  const { freeFailures, maxDelaySeconds } = RULES[scope];
  if (failures < freeFailures) return 0;
  return Math.min(maxDelaySeconds, 2 ** Math.min(failures - freeFailures, 20));
}

/** The keys one password check was counted against. */
export interface ThrottleClaim {
  account: string;
  ip: string | null;
}

/**
 * Each password check is CLAIMED before the password is hashed: the try is
 * counted as a failure up front, with a compare-and-set on the count that
 * also refuses while the key is in its delay. So parallel guesses cannot
 * all slip past the check before any of them is recorded. A correct password
 * then clears the account's count and gives the IP its try back.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectRepository(LoginThrottleEntity) private readonly throttles: Repository<LoginThrottleEntity>,
    private readonly hasher: KeyedHasher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** RATE_LIMITED with retryAfterSeconds while the IP or the account is in its delay. */
  async claim(normalizedEmail: string, ip: string | null): Promise<ThrottleClaim> {
    // The account key is a keyed hash: the table never lists email addresses.
    const claim = { account: `account:${this.hasher.tokenDigest(normalizedEmail)}`, ip: ip ? `ip:${ip.slice(0, 64)}` : null };
    if (claim.ip) await this.countTry('ip', claim.ip);
    await this.countTry('account', claim.account);
    return claim;
  }

  /** The password was right: the account starts again; the IP gets this try back (not its delay). */
  async succeeded(claim: ThrottleClaim): Promise<void> {
    await this.throttles.delete({ throttleKey: claim.account });
    if (claim.ip) {
      await this.throttles
        .createQueryBuilder()
        .update()
        .set({ failures: () => 'failures - 1' })
        .where('throttleKey = :key AND failures > 0', { key: claim.ip })
        .execute();
    }
  }

  private async countTry(scope: Scope, key: string): Promise<void> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = this.clock.now();
      const row = await this.throttles.findOneBy({ throttleKey: key });
      if (row?.blockedUntil && row.blockedUntil > now) throw this.limited(row.blockedUntil, now);
      const base = row && row.lastFailureAt >= addMinutes(now, -FAILURE_WINDOW_MINUTES) ? row.failures : 0;
      const delay = delaySeconds(scope, base + 1);
      const changes = { failures: base + 1, lastFailureAt: now, blockedUntil: delay > 0 ? addSeconds(now, delay) : null };
      if (!row) {
        try {
          await this.throttles.insert({ throttleKey: key, ...changes });
          return;
        } catch (error) {
          if (!(error instanceof QueryFailedError)) throw error;
          continue; // another request created it first
        }
      }
      const result = await this.throttles
        .createQueryBuilder()
        .update()
        .set(changes)
        .where('throttleKey = :key AND failures = :seen AND (blockedUntil IS NULL OR blockedUntil <= :now)', {
          key,
          seen: row.failures,
          now,
        })
        .execute();
      if ((result.affected ?? 0) > 0) return;
    }
    throw new DomainException(ErrorCode.RATE_LIMITED, 'Too many sign-in attempts at once. Try again in a second.', { retryAfterSeconds: 1 });
  }

  private limited(until: Date, now: Date): DomainException {
    const retryAfterSeconds = secondsUntil(until, now);
    return new DomainException(ErrorCode.RATE_LIMITED, `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`, {
      retryAfterSeconds,
    });
  }
}
