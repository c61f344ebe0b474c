import { ManualClock } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase, recordStatements } from '../../../test/support/memory-database';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { LoginThrottleEntity } from './entities/login-throttle.entity';
import { LoginThrottleService, ThrottleClaim } from './login-throttle.service';

/**
 * The sign-in throttle on the in-memory database: five free tries per
 * account, then waits of 1, 2, 4, 8, 16, 32 and at most 60 seconds; a
 * hundred per IP, then up to five minutes; 15 minutes without a try forget
 * the count; a client the user signed in from before keeps a count of its own.
 */
describe('LoginThrottleService', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  let source: DataSource;
  let repo: Repository<LoginThrottleEntity>;
  let hasher: KeyedHasher;
  let clock: ManualClock;
  let throttle: LoginThrottleService;
  let email: string;
  let ip: string;
  let n = 0;
  const unknown = async () => false;
  const known = async () => true;

  beforeAll(async () => {
    source = await memoryDatabase([LoginThrottleEntity]);
    repo = source.getRepository(LoginThrottleEntity);
    hasher = new KeyedHasher(randomBytes(32));
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    clock = new ManualClock(START);
    throttle = new LoginThrottleService(repo, hasher, clock);
    n++;
    email = `user-${n}@example.com`;
    ip = `198.51.100.${n}`;
  });

  const accountKey = () => `account:${hasher.tokenDigest(email)}`;
  const try_ = (isKnown = unknown, from: string | null = ip) => throttle.claim(email, from, isKnown);
  const refusal = (isKnown = unknown, from: string | null = ip) => try_(isKnown, from).then(
    () => null,
    (e: unknown) => e,
  );
  const row = (key: string) => repo.findOneBy({ throttleKey: key });
  /** Tries the account `count` times, each once its wait is over; returns the wait each try set. */
  const tries = async (count: number, from: string | null = ip) => {
    const waits: number[] = [];
    for (let i = 0; i < count; i++) {
      await try_(unknown, from);
      const blocked = (await row(accountKey()))!.blockedUntil;
      const wait = blocked ? (blocked.getTime() - clock.now().getTime()) / 1000 : 0;
      waits.push(wait);
      clock.advanceSeconds(wait);
    }
    return waits;
  };

  it('counts each try on the account (a keyed hash, never the address) and the IP', async () => {
    const claim = await try_();
    expect(claim).toEqual({ account: accountKey(), ip: `ip:${ip}` });
    expect(await row(accountKey())).toEqual({ throttleKey: accountKey(), failures: 1, lastFailureAt: new Date(START), blockedUntil: null });
    expect(await row(`ip:${ip}`)).toMatchObject({ failures: 1, blockedUntil: null });
    expect(await repo.countBy({ throttleKey: `account:${email}` })).toBe(0);
  });

  it('an account gets five free tries, then waits that double from one second up to a minute', async () => {
    expect(await tries(13)).toEqual([0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('a try during the wait is refused with the seconds left, and not counted', async () => {
    await tries(4);
    await try_(); // the fifth: one second
    await try_().catch(() => undefined);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many failed sign-ins. Try again in 1 seconds.', details: { retryAfterSeconds: 1 } });
    expect((await row(accountKey()))!.failures).toBe(5);
    clock.advance(999);
    expect(await refusal()).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    clock.advance(1);
    await try_();
    expect((await row(accountKey()))!).toMatchObject({ failures: 6, blockedUntil: new Date(clock.now().getTime() + 2000) });
    clock.advanceSeconds(1);
    expect(await refusal()).toMatchObject({ details: { retryAfterSeconds: 1 } });
  });

  it('fifteen minutes without a try forget the count', async () => {
    await tries(6);
    // The sixth try set a two-second wait, which tries() waited out: 15 minutes after that try.
    clock.advanceSeconds(15 * 60 - 2);
    await try_();
    expect((await row(accountKey()))!.failures).toBe(7);
    clock.advance(15 * 60_000 + 1);
    await try_();
    expect(await row(accountKey())).toMatchObject({ failures: 1, blockedUntil: null });
  });

  it('the right password clears the account and gives the IP its try back', async () => {
    await tries(3);
    await throttle.succeeded(await try_());
    expect(await row(accountKey())).toMatchObject({ failures: 0, blockedUntil: null });
    expect((await row(`ip:${ip}`))!.failures).toBe(3);
    await repo.update({ throttleKey: `ip:${ip}` }, { failures: 0 });
    await throttle.succeeded({ account: accountKey(), ip: `ip:${ip}` });
    expect((await row(`ip:${ip}`))!.failures).toBe(0);
    await throttle.succeeded({ account: accountKey(), ip: null });
  });

  it('a success clears its own account only', async () => {
    await tries(6);
    const other: ThrottleClaim = { account: 'account:other', ip: null };
    await repo.insert({ throttleKey: 'account:other', failures: 3, lastFailureAt: new Date(START), blockedUntil: null });
    await throttle.succeeded(other);
    expect((await row(accountKey()))!.failures).toBe(6);
  });

  it('a sign-in that names no account (a passkey) counts on the IP only, its first 64 characters', async () => {
    const long = `${'e'.repeat(64)}:tail-${n}`;
    const ipKey = `ip:${'e'.repeat(64)}`;
    expect(await statementsOf(async () => expect(await throttle.claimAddress(long)).toEqual({ account: null, ip: ipKey }))).toEqual(['UPDATE', 'INSERT']);
    expect(await row(ipKey)).toMatchObject({ failures: 1, blockedUntil: null });
    expect(await throttle.claimAddress(long)).toEqual({ account: null, ip: ipKey });
    expect((await row(ipKey))!.failures).toBe(2);
    // No address: nothing to count, nothing run.
    expect(await statementsOf(async () => expect(await throttle.claimAddress(null)).toEqual({ account: null, ip: null }))).toEqual([]);
    // During the IP's wait it is refused like a password sign-in.
    await repo.update({ throttleKey: ipKey }, { blockedUntil: new Date(START + 30_000) });
    expect(await throttle.claimAddress(long).catch((e: unknown) => e)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
    expect((await row(ipKey))!.failures).toBe(2);
  });

  it('a proven passkey sign-in gives the IP its try back, and leaves its wait; a claim with no key runs nothing', async () => {
    const ipKey = `ip:${ip}`;
    await repo.insert({ throttleKey: ipKey, failures: 101, lastFailureAt: new Date(START), blockedUntil: new Date(START + 1000) });
    await throttle.succeeded({ account: null, ip: ipKey });
    expect(await row(ipKey)).toMatchObject({ failures: 100, blockedUntil: new Date(START + 1000) });
    expect(await statementsOf(() => throttle.succeeded({ account: null, ip: null }))).toEqual([]);
  });

  it('without an IP only the account is counted', async () => {
    expect(await try_(unknown, null)).toEqual({ account: accountKey(), ip: null });
    expect(await repo.countBy({ throttleKey: 'ip:' })).toBe(0);
  });

  it('the IP key keeps the first 64 characters of the address', async () => {
    const long = `${'f'.repeat(64)}:tail-${n}`;
    expect((await try_(unknown, long)).ip).toBe(`ip:${'f'.repeat(64)}`);
  });

  it('an IP gets a hundred free tries, then waits that double up to five minutes', async () => {
    const key = `ip:${ip}`;
    await repo.insert({ throttleKey: key, failures: 98, lastFailureAt: new Date(START), blockedUntil: null });
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      email = `user-${n}-${i}@example.com`;
      await try_();
      const blocked = (await row(key))!.blockedUntil;
      const wait = blocked ? (blocked.getTime() - clock.now().getTime()) / 1000 : 0;
      waits.push(wait);
      clock.advanceSeconds(wait);
    }
    expect(waits).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    // During the IP's wait nothing is counted on the account.
    await try_();
    email = `user-${n}-late@example.com`;
    expect(await refusal(known)).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 300 } });
    expect(await row(accountKey())).toBeNull();
  });

  it('during the account\'s wait, a client the user signed in from before is counted on a key of its own', async () => {
    await tries(4);
    await try_();
    const claim = await try_(known);
    const knownKey = `known:${hasher.tokenDigest(`${email}\n${ip}`)}`;
    expect(claim).toEqual({ account: knownKey, ip: `ip:${ip}` });
    expect(await row(knownKey)).toMatchObject({ failures: 1, blockedUntil: null });
    // Its success clears its own key, not the guesser's count on the account.
    await throttle.succeeded(claim);
    expect((await row(accountKey()))!.failures).toBe(5);
    // The known client has the same allowance.
    for (let i = 0; i < 4; i++) await try_(known);
    expect(await row(knownKey)).toMatchObject({ failures: 4 });
    await try_(known);
    expect(await row(knownKey)).toMatchObject({ failures: 5, blockedUntil: new Date(clock.now().getTime() + 1000) });
    expect(await refusal(known)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('an unknown client, or one without an IP, is refused during the account\'s wait', async () => {
    await tries(4);
    await try_();
    let asked = 0;
    expect(await refusal(async () => (asked++, false))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(asked).toBe(1);
    expect(await refusal(async () => (asked++, true), null)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(asked).toBe(1);
  });

  it('another error is never turned into a known client\'s try', async () => {
    const broken = new LoginThrottleService(
      new Proxy(repo, {
        get(target, key, receiver) {
          if (key === 'createQueryBuilder') return () => { throw new TypeError('database gone'); };
          return Reflect.get(target, key, receiver);
        },
      }),
      hasher,
      clock,
    );
    await expect(broken.claim(email, null, known)).rejects.toThrow(TypeError);
  });

  it('only the throttle\'s own RATE_LIMITED lets a known client try on its own key: not a database error with that code, not another refusal', async () => {
    const refusals = [
      Object.assign(new Error('a driver error'), { code: ErrorCode.RATE_LIMITED }),
      new DomainException(ErrorCode.BAD_USER_INPUT, 'not the throttle\'s'),
    ];
    for (const refusal of refusals) {
      email = `user-${n}-${refusals.indexOf(refusal)}@example.com`;
      // The IP's key is counted (one UPDATE: it exists); the account's UPDATE fails with `refusal`; anything after would work.
      await repo.insert({ throttleKey: `ip:${ip}`, failures: 0, lastFailureAt: new Date(START), blockedUntil: null }).catch(() => undefined);
      let statements = 0;
      const failing = new Proxy(repo, {
        get(target, key, receiver) {
          if (key !== 'createQueryBuilder') return Reflect.get(target, key, receiver);
          return (...args: Parameters<typeof target.createQueryBuilder>) => {
            if (++statements === 2) throw refusal;
            return target.createQueryBuilder(...args);
          };
        },
      });
      let asked = 0;
      const outcome = await new LoginThrottleService(failing, hasher, clock).claim(email, ip, async () => (asked++, true)).catch((e: unknown) => e);
      expect(outcome).toBe(refusal);
      expect(asked).toBe(0);
      expect(await repo.countBy({ throttleKey: `known:${hasher.tokenDigest(`${email}\n${ip}`)}` })).toBe(0);
    }
  });

  it('a key that keeps failing to be written answers RATE_LIMITED (try again in a second)', async () => {
    const { QueryFailedError } = await import('typeorm');
    let inserts = 0;
    const update: Record<string, unknown> = {};
    for (const step of ['update', 'set', 'where', 'setParameters']) update[step] = () => update;
    update.execute = async () => ({ affected: 0 });
    const insert: Record<string, unknown> = {};
    for (const step of ['insert', 'values', 'updateEntity']) insert[step] = () => insert;
    insert.execute = async () => {
      inserts++;
      throw new QueryFailedError('INSERT', [], new Error('duplicate'));
    };
    const stuck = new LoginThrottleService(
      { createQueryBuilder: () => ({ update: () => update, insert: () => insert }), findOneBy: async () => null } as never,
      hasher,
      clock,
    );
    await expect(stuck.claim(email, null, known)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: 'Too many sign-in attempts at once. Try again in a second.',
      details: { retryAfterSeconds: 1 },
    });
    expect(inserts).toBe(2);
  });

  /** Runs `work` and answers the statements it ran (see recordStatements). */
  const statementsOf = async (work: () => Promise<unknown>) => {
    const log = recordStatements(source);
    try {
      await work();
      return log.statements;
    } finally {
      log.stop();
    }
  };

  it('a key seen for the first time: the UPDATE finds nothing, the INSERT writes its first try (two statements); a known key, one UPDATE', async () => {
    expect(await statementsOf(() => try_(unknown, null))).toEqual(['UPDATE', 'INSERT']);
    expect(await row(accountKey())).toEqual({ throttleKey: accountKey(), failures: 1, lastFailureAt: new Date(START), blockedUntil: null });
    clock.advanceSeconds(1);
    expect(await statementsOf(() => try_(unknown, null))).toEqual(['UPDATE']);
    expect(await row(accountKey())).toEqual({ throttleKey: accountKey(), failures: 2, lastFailureAt: new Date(START + 1000), blockedUntil: null });
    // With an address, the same for each of the two keys: the IP's first, then the account's.
    email = `user-${n}-b@example.com`;
    expect(await statementsOf(() => try_())).toEqual(['UPDATE', 'INSERT', 'UPDATE', 'INSERT']);
    expect(await row(`ip:${ip}`)).toMatchObject({ failures: 1, blockedUntil: null });
    expect(await row(accountKey())).toMatchObject({ failures: 1, blockedUntil: null });
  });

  it('a key in its delay: the UPDATE refuses it, the INSERT fails on it, the read gives the seconds left; the try is not counted', async () => {
    expect(await tries(8, null)).toEqual([0, 0, 0, 0, 1, 2, 4, 8]);
    // tries() waited the eighth try's 8 seconds out; the ninth sets 16 seconds, and 3.5 seconds into them 13 are left (rounded up).
    await try_(unknown, null);
    const before = (await row(accountKey()))!;
    expect(before).toMatchObject({ failures: 9, blockedUntil: new Date(clock.now().getTime() + 16_000) });
    clock.advance(3_500);
    let refused: unknown;
    const statements = await statementsOf(() => try_(unknown, null).catch((e: unknown) => (refused = e)));
    expect(statements).toEqual(['UPDATE', 'INSERT failed', 'SELECT']);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many failed sign-ins. Try again in 13 seconds.', details: { retryAfterSeconds: 13 } });
    expect(await row(accountKey())).toEqual(before);
  });

  it('a key a parallel request inserted between the UPDATE and the INSERT: the INSERT fails, and the try is counted on the next round', async () => {
    const parallel = new LoginThrottleService(repo, hasher, clock);
    let raced = false;
    // Just before this request's INSERT, another sign-in of the same account inserts the key.
    const racing = new Proxy(repo, {
      get(target, prop, receiver) {
        if (prop !== 'createQueryBuilder') return Reflect.get(target, prop, receiver);
        return (...args: Parameters<typeof target.createQueryBuilder>) => {
          const builder = target.createQueryBuilder(...args);
          const insert = builder.insert.bind(builder);
          builder.insert = () => {
            const inserting = insert();
            const execute = inserting.execute.bind(inserting);
            inserting.execute = async () => {
              if (!raced) {
                raced = true;
                await parallel.claim(email, null, unknown);
              }
              return execute();
            };
            return inserting;
          };
          return builder;
        };
      },
    });
    const statements = await statementsOf(() => new LoginThrottleService(racing, hasher, clock).claim(email, null, unknown));
    expect(raced).toBe(true);
    // This request's UPDATE; the other's UPDATE and INSERT; this INSERT fails, the read finds the key out of any delay, the UPDATE counts.
    expect(statements).toEqual(['UPDATE', 'UPDATE', 'INSERT', 'INSERT failed', 'SELECT', 'UPDATE']);
    expect(await row(accountKey())).toEqual({ throttleKey: accountKey(), failures: 2, lastFailureAt: new Date(START), blockedUntil: null });
  });

  /** The repository, with the account's wait moved to end at `blockedUntil` right before the throttle reads its row. */
  const waitMovedBeforeRead = (blockedUntil: () => Date) =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        if (prop !== 'findOneBy') return Reflect.get(target, prop, receiver);
        return async (where: never) => {
          await target.update({ throttleKey: accountKey() }, { blockedUntil: blockedUntil() });
          return target.findOneBy(where);
        };
      },
    });

  it('a wait that ends at the very moment of the read is over, as the UPDATE counts it: the try is counted on the next round', async () => {
    await tries(4);
    await try_();
    const key = accountKey();
    // The UPDATE is refused (one second left); by the read, the wait ends exactly now.
    await new LoginThrottleService(waitMovedBeforeRead(() => clock.now()), hasher, clock).claim(email, null, unknown);
    expect(await row(key)).toMatchObject({ failures: 6, blockedUntil: new Date(START + 2000) });
  });

  it('a key whose wait ended between the UPDATE and the read is counted on the next round', async () => {
    await tries(4);
    await try_();
    const key = accountKey();
    await new LoginThrottleService(waitMovedBeforeRead(() => new Date(START - 1)), hasher, clock).claim(email, null, unknown);
    expect((await row(key))!.failures).toBe(6);
  });
});
