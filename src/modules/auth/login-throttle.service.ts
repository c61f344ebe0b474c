import { addMinutes, addSeconds, Clock, secondsUntil } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { conditionalUpdate } from '../../database/conditional-update';
import { insertIfAbsent } from '../../database/insert-rows';
import { LoginThrottleEntity } from './entities/login-throttle.entity';

/** Failures older than this are forgotten: the count starts again. */
const FAILURE_WINDOW_MINUTES = 15;

/**
 * How password guessing is slowed. Tries are counted per account and per
 * client IP; past a free allowance each further try doubles the wait before
 * the next one on that key. The wait on an account is capped low (a minute),
 * and a client the user has signed in from before gets a count of its own
 * during it, so guessing never locks the real user out; an IP that keeps
 * guessing waits longer (the allowance is generous: a busy office shares one
 * NAT address).
 */
const RULES = {
  account: { freeFailures: 5, maxDelaySeconds: 60 },
  ip: { freeFailures: 100, maxDelaySeconds: 5 * 60 },
} as const;

type Scope = keyof typeof RULES;

/**
 * The waits a count can lead to, as [count, seconds] steps: none below the
 * allowance, then doubling from one second up to the cap (the last step holds
 * for every higher count).
 */
function delayStepsOf({ freeFailures, maxDelaySeconds }: (typeof RULES)[Scope]): Array<[number, number]> {
  const steps: Array<[number, number]> = [];
  for (let doubling = 0; 2 ** doubling < maxDelaySeconds; doubling++) steps.push([freeFailures + doubling, 2 ** doubling]);
  steps.push([freeFailures + steps.length, maxDelaySeconds]);
  return steps;
}

/** Worked out once: every try builds its UPDATE from these. */
const DELAY_STEPS: Record<Scope, Array<[number, number]>> = { account: delayStepsOf(RULES.account), ip: delayStepsOf(RULES.ip) };

/** The wait after the `count`-th try, in JS (for a new key); the UPDATE computes the same from the same steps in SQL. */
function delayForCount(scope: Scope, count: number): number {
  const steps = DELAY_STEPS[scope];
  if (count < steps[0][0]) return 0;
  return (steps.find(([stepCount]) => stepCount === count) ?? steps[steps.length - 1])[1];
}

/** The keys one password check was counted against. */
export interface ThrottleClaim {
  /** The account's key, or (known client during the account's delay) the account-and-address key; null when the sign-in names no account (a passkey). */
  account: string | null;
  ip: string | null;
}

/**
 * Each password check is CLAIMED before the password is hashed: the try is
 * counted as a failure up front by one conditional UPDATE that also refuses
 * while the key is in its delay, and sets the next delay in the same
 * statement. So parallel guesses cannot all slip past the check before any
 * of them is recorded, and parallel sign-ins of different people behind one
 * address never wait on each other beyond a row lock. A correct password then
 * clears the account's count and gives the IP its try back.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectRepository(LoginThrottleEntity) private readonly throttles: Repository<LoginThrottleEntity>,
    private readonly hasher: KeyedHasher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * RATE_LIMITED with retryAfterSeconds while the IP or the account is in
   * its delay. When the account is, someone may be guessing its password
   * slowly from many addresses, one try each time the delay ends; so that
   * this never keeps the real user out, a client the user has fully signed
   * in from before (`isKnownClient`) is counted on a key of its own for that
   * account and address, with the same allowance.
   */
  async claim(normalizedEmail: string, ip: string | null, isKnownClient: () => Promise<boolean>): Promise<ThrottleClaim> {
    // The account key is a keyed hash: the table never lists email addresses.
    const account = `account:${this.hasher.tokenDigest(normalizedEmail)}`;
    const ipKey = ip ? `ip:${ip.slice(0, 64)}` : null;
    if (ipKey) await this.countTry('ip', ipKey);
    try {
      await this.countTry('account', account);
      return { account, ip: ipKey };
    } catch (error) {
      if (!(error instanceof DomainException) || error.code !== ErrorCode.RATE_LIMITED || !ip || !(await isKnownClient())) throw error;
    }
    const knownClient = `known:${this.hasher.tokenDigest(`${normalizedEmail}\n${ip}`)}`;
    await this.countTry('account', knownClient);
    return { account: knownClient, ip: ipKey };
  }

  /**
   * A sign-in that names no account before it is proven (a passkey finds
   * its user by the credential): its try counts on the client's address only.
   */
  async claimAddress(ip: string | null): Promise<ThrottleClaim> {
    const ipKey = ip ? `ip:${ip.slice(0, 64)}` : null;
    if (ipKey) await this.countTry('ip', ipKey);
    return { account: null, ip: ipKey };
  }

  /**
   * The password was right: the key it was counted on starts again (the row
   * stays, so the next sign-in is one UPDATE; a known client's success
   * leaves the account-wide count to the guesser); the IP gets this try
   * back, not its delay.
   */
  async succeeded(claim: ThrottleClaim): Promise<void> {
    const keys = [claim.account, claim.ip].filter((key): key is string => key !== null);
    if (keys.length === 0) return;
    // One statement for both keys: the account's count starts again, the address gets this try back.
    await conditionalUpdate(this.throttles, {
      set: {
        failures: () => 'CASE WHEN throttleKey = :account THEN 0 WHEN failures > 0 THEN failures - 1 ELSE 0 END',
        blockedUntil: () => 'CASE WHEN throttleKey = :account THEN NULL ELSE blockedUntil END',
      },
      where: 'throttleKey IN (:...keys)',
      parameters: { keys, account: claim.account ?? '' },
    });
  }

  private async countTry(scope: Scope, key: string): Promise<void> {
    // Two rounds: a key the UPDATE did not count is either new (inserted with
    // its first try: two statements for a first sign-in) or in its delay (the
    // INSERT fails, the read tells how long); if a parallel request inserted
    // it first, the UPDATE of the next round finds it.
    for (let round = 0; round < 2; round++) {
      const now = this.clock.now();
      if (await this.incrementUnlessBlocked(scope, key, now)) return;
      const delay = delayForCount(scope, 1);
      const blockedUntil = delay > 0 ? addSeconds(now, delay) : null;
      if (await insertIfAbsent(this.throttles, { throttleKey: key, failures: 1, lastFailureAt: now, blockedUntil })) return;
      const row = await this.throttles.findOneBy({ throttleKey: key });
      if (row?.blockedUntil && row.blockedUntil > now) throw this.limited(row.blockedUntil, now);
      // Its delay ended between the statements, or a parallel request inserted it: count again.
    }
    throw new DomainException(ErrorCode.RATE_LIMITED, 'Too many sign-in attempts at once. Try again in a second.', { retryAfterSeconds: 1 });
  }

  /**
   * One statement: count the try and set the delay that follows from the new
   * count, unless the key is in its delay now. Every expression reads the old
   * row (conditionalUpdate orders them so), on MySQL as on SQLite.
   */
  private async incrementUnlessBlocked(scope: Scope, key: string, now: Date): Promise<boolean> {
    const newCount = '(CASE WHEN lastFailureAt < :windowStart THEN 1 ELSE failures + 1 END)';
    const steps = DELAY_STEPS[scope];
    const parameters: Record<string, unknown> = { key, now, windowStart: addMinutes(now, -FAILURE_WINDOW_MINUTES) };
    const branches = steps.slice(0, -1).map(([count, seconds], index) => {
      parameters[`until${index}`] = addSeconds(now, seconds);
      return `WHEN ${newCount} = ${count} THEN :until${index}`;
    });
    parameters.untilMax = addSeconds(now, steps[steps.length - 1][1]);
    const blockedUntil = `CASE WHEN ${newCount} < ${steps[0][0]} THEN NULL ${branches.join(' ')} ELSE :untilMax END`;
    const counted = await conditionalUpdate(this.throttles, {
      set: { lastFailureAt: () => ':now', failures: () => newCount, blockedUntil: () => blockedUntil },
      where: 'throttleKey = :key AND (blockedUntil IS NULL OR blockedUntil <= :now)',
      parameters,
    });
    return counted > 0;
  }

  private limited(until: Date, now: Date): DomainException {
    const retryAfterSeconds = secondsUntil(until, now);
    return new DomainException(ErrorCode.RATE_LIMITED, `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`, {
      retryAfterSeconds,
    });
  }
}
