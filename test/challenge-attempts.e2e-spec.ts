import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { DomainException } from '../src/common/errors/domain.exception';
import { AttemptsService } from '../src/modules/attempts/attempts.service';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorPolicy } from '../src/modules/policy/policy.types';
import { UsersService } from '../src/modules/users/users.service';
import { startTestApp, TestApp } from './support/app';

/** The per-user attempt counter on the real database: claims, cooldowns, lockout, races. */
describe('challenge: attempt counter', () => {
  let t: TestApp;
  let attempts: AttemptsService;
  let policy: TwoFactorPolicy;
  let n = 0;

  const newUser = async () =>
    (await t.app.get(UsersService).create({ email: `attempts${n++}@example.com`, password: 'attempts-password', role: Role.AGENT })).id;

  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'OK';
    } catch (error) {
      if (error instanceof DomainException) return error.code;
      throw error;
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    attempts = t.app.get(AttemptsService);
    policy = await t.app.get(PolicyService).get();
  });
  afterAll(async () => t?.close());

  it('follows the seeds: two free failures, cooldowns after the 3rd and 4th, lockout at the 5th', async () => {
    const userId = await newUser();
    for (const remaining of [4, 3]) {
      const result = await attempts.failed(await attempts.claim(userId, policy));
      expect(result).toEqual({ kind: 'failed', attemptsRemaining: remaining });
    }
    const third = await attempts.failed(await attempts.claim(userId, policy));
    expect(third).toMatchObject({ kind: 'failed', attemptsRemaining: 2, retryAfterSeconds: 300 });

    const during = await attempts.claim(userId, policy).catch((e: DomainException) => e);
    expect(during).toBeInstanceOf(DomainException);
    expect((during as DomainException).code).toBe('TOO_MANY_ATTEMPTS');
    expect((during as DomainException).message).toBe('Please try again in five minutes.');
    expect((during as DomainException).details.retryAfterSeconds).toBe(300);

    t.clock.advanceMinutes(5);
    const fourth = await attempts.failed(await attempts.claim(userId, policy));
    expect(fourth).toMatchObject({ kind: 'failed', attemptsRemaining: 1, retryAfterSeconds: 300 });
    t.clock.advanceSeconds(299);
    expect(await codeOf(attempts.claim(userId, policy))).toBe('TOO_MANY_ATTEMPTS');
    t.clock.advanceSeconds(1);
    const fifth = await attempts.failed(await attempts.claim(userId, policy));
    expect(fifth).toMatchObject({ kind: 'locked', retryAfterSeconds: 30 * 60 });
    expect(await codeOf(attempts.claim(userId, policy))).toBe('ACCOUNT_LOCKED');
    expect(await codeOf(attempts.assertNotLocked(userId, policy))).toBe('ACCOUNT_LOCKED');

    t.clock.advanceMinutes(30);
    expect(await codeOf(attempts.assertNotLocked(userId, policy))).toBe('OK');
    expect(await attempts.snapshot(userId, policy)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
    const again = await attempts.failed(await attempts.claim(userId, policy));
    expect(again).toEqual({ kind: 'failed', attemptsRemaining: 4 });
  });

  it('a success clears the count', async () => {
    const userId = await newUser();
    await attempts.failed(await attempts.claim(userId, policy));
    await attempts.failed(await attempts.claim(userId, policy));
    await attempts.succeeded(await attempts.claim(userId, policy));
    expect(await attempts.snapshot(userId, policy)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
  });

  it('fifty parallel claims get what a patient attacker would: two side by side, then one at a time', async () => {
    const userId = await newUser();
    await attempts.ensure(userId);
    const first = await Promise.allSettled(Array.from({ length: 50 }, () => attempts.claim(userId, policy)));
    const granted = first.filter((r) => r.status === 'fulfilled');
    expect(granted).toHaveLength(2);
    const refused = first.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as DomainException).code);
    expect(new Set(refused)).toEqual(new Set(['RATE_LIMITED']));

    // While one of the free failures is still being checked, the one that could start a cooldown must wait.
    await attempts.failed((granted[0] as PromiseFulfilledResult<Awaited<ReturnType<AttemptsService['claim']>>>).value);
    expect(await codeOf(attempts.claim(userId, policy))).toBe('RATE_LIMITED');
    await attempts.failed((granted[1] as PromiseFulfilledResult<Awaited<ReturnType<AttemptsService['claim']>>>).value);

    const second = await Promise.allSettled(Array.from({ length: 50 }, () => attempts.claim(userId, policy)));
    expect(second.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('a claim whose request died lapses after its lease', async () => {
    const userId = await newUser();
    await attempts.failed(await attempts.claim(userId, policy));
    await attempts.failed(await attempts.claim(userId, policy));
    await attempts.claim(userId, policy); // never settled
    expect(await codeOf(attempts.claim(userId, policy))).toBe('RATE_LIMITED');
    t.clock.advanceSeconds(31);
    expect(await codeOf(attempts.claim(userId, policy))).toBe('OK');
  });

  /** Four failures, the way the seeds allow them (waiting out both cooldowns). */
  const fourFailures = async (userId: string) => {
    for (let i = 0; i < 4; i++) {
      await attempts.failed(await attempts.claim(userId, policy));
      if (i >= 2) t.clock.advanceMinutes(policy.cooldownMinutes);
    }
    expect(await attempts.snapshot(userId, policy)).toEqual({ attemptsRemaining: 1, retryAvailableAt: null, lockedForSeconds: 0 });
  };

  it('a lapsed lease never buys an evaluation beyond maxAttempts: the lapsed claim counts as the fifth failure', async () => {
    const userId = await newUser();
    await fourFailures(userId);
    const a = await attempts.claim(userId, policy); // the 5th evaluation; its request stalls
    t.clock.advanceSeconds(31);
    // A 6th evaluation would be possible if A were forgotten: it counts as a failure instead, and that locks.
    const b = await attempts.claim(userId, policy).catch((e: DomainException) => e);
    expect(b).toBeInstanceOf(DomainException);
    expect((b as DomainException).code).toBe('ACCOUNT_LOCKED');
    expect((b as DomainException).details.retryAfterSeconds).toBe(30 * 60);
    // A's late settlement neither counts again nor starts anything: the lockout is already running.
    expect(await attempts.failed(a)).toMatchObject({ kind: 'locked', started: false, retryAfterSeconds: 30 * 60 });
    expect(await codeOf(attempts.claim(userId, policy))).toBe('ACCOUNT_LOCKED');
    t.clock.advanceMinutes(30);
    expect(await attempts.snapshot(userId, policy)).toEqual({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: 0 });
  });

  it("settling a claim after its lease never gives back another claim's unit", async () => {
    const userId = await newUser();
    await attempts.ensure(userId);
    const a = await attempts.claim(userId, policy);
    t.clock.advanceSeconds(31);
    const b = await attempts.claim(userId, policy); // A's lapsed unit became a failure; B holds the only live one
    await attempts.released(a);
    // Still one claim in flight (B) with one failure: the next claim could start a cooldown, so it waits.
    expect(await codeOf(attempts.claim(userId, policy))).toBe('RATE_LIMITED');
    await attempts.failed(a); // late again: nothing changes
    expect(await codeOf(attempts.claim(userId, policy))).toBe('RATE_LIMITED');
    expect(await attempts.failed(b)).toEqual({ kind: 'failed', attemptsRemaining: 3 });
    expect(await codeOf(attempts.claim(userId, policy))).toBe('OK');
  });

  it('a lower maxAttempts leaves a user over it one last attempt', async () => {
    const userId = await newUser();
    for (let i = 0; i < 2; i++) await attempts.failed(await attempts.claim(userId, policy));
    const strict = { ...policy, maxAttempts: 2, cooldownFromAttempt: 2 };
    const last = await attempts.failed(await attempts.claim(userId, strict));
    expect(last.kind).toBe('locked');
  });
});
