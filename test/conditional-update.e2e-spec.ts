import { ManualClock } from '@app/clock';
import { KeyedHasher } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalUpdate } from '../src/database/conditional-update';
import { LoginThrottleEntity } from '../src/modules/auth/entities/login-throttle.entity';
import { LoginThrottleService } from '../src/modules/auth/login-throttle.service';
import { AttemptsService } from '../src/modules/attempts/attempts.service';
import { TwoFactorAttemptsEntity } from '../src/modules/attempts/entities/two-factor-attempts.entity';
import { TwoFactorCodeSendsEntity } from '../src/modules/attempts/entities/two-factor-code-sends.entity';
import { CODE_SENDS_PER_HOUR, SendBudget } from '../src/modules/attempts/send-budget.service';
import { DEFAULT_POLICY } from '../src/modules/policy/policy.types';
import { createTestDatabase, TestDatabase } from './support/database';

@Entity('order_probe')
class OrderProbe {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'int' })
  a: number;

  @Column({ type: 'int' })
  b: number;
}

/**
 * The counters' one primitive on both databases Twofold runs on: MySQL
 * evaluates SET left to right (each assignment sees the ones before it),
 * SQLite evaluates them all against the old row. conditionalUpdate must give
 * the same answer on both, whatever the order of the keys.
 */
describe('conditionalUpdate and the counters built on it, on MariaDB and on SQLite', () => {
  let database: TestDatabase;
  const sources: Array<[string, DataSource]> = [];

  beforeAll(async () => {
    database = await createTestDatabase('twofold_cu');
    const entities = [OrderProbe, TwoFactorAttemptsEntity, TwoFactorCodeSendsEntity, LoginThrottleEntity];
    const mysql = new DataSource({ type: 'mysql', url: database.url, entities, synchronize: true, timezone: 'Z' });
    const sqlite = new DataSource({ type: 'sqljs', entities, synchronize: true });
    sources.push(['MariaDB', await mysql.initialize()], ['SQLite', await sqlite.initialize()]);
  });
  afterAll(async () => {
    for (const [, source] of sources) await source.destroy();
    await database?.drop();
  });

  it('every expression reads the old row, whatever the order of the keys', async () => {
    for (const [name, source] of sources) {
      const repo = source.getRepository(OrderProbe);
      await repo.save({ id: 1, a: 1, b: 10 });
      // Given in the order that would break on MySQL (a changed before b reads it).
      const affected = await conditionalUpdate(repo, { set: { a: () => 'a + 1', b: () => 'a * 100' }, where: 'id = :id', parameters: { id: 1 } });
      expect([name, affected, await repo.findOneBy({ id: 1 })]).toEqual([name, 1, { id: 1, a: 2, b: 100 }]);
      // The WHERE decides; nothing changes when it does not hold.
      expect(await conditionalUpdate(repo, { set: { a: 0 }, where: 'id = :id AND b > :limit', parameters: { id: 1, limit: 1000 } })).toBe(0);
    }
  });

  it('the attempt counter follows the seeds on both: two free failures, cooldowns, lockout at the fifth', async () => {
    const policy = { ...DEFAULT_POLICY, updatedAt: new Date(0) };
    for (const [name, source] of sources) {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const attempts = new AttemptsService(source.getRepository(TwoFactorAttemptsEntity), clock);
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const result = await attempts.failed(await attempts.claim(`user-${name}`, policy));
        outcomes.push(result.kind === 'locked' ? 'locked' : `${result.attemptsRemaining}${result.retryAfterSeconds ? '+cooldown' : ''}`);
        clock.advanceMinutes(5);
      }
      expect([name, outcomes]).toEqual([name, ['4', '3', '2+cooldown', '1+cooldown', 'locked']]);
    }
  });

  it('the send budget allows CODE_SENDS_PER_HOUR an hour on both, and a new hour starts afresh', async () => {
    for (const [name, source] of sources) {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const budget = new SendBudget(source.getRepository(TwoFactorCodeSendsEntity), clock);
      const granted: boolean[] = [];
      for (let i = 0; i <= CODE_SENDS_PER_HOUR; i++) granted.push((await budget.take(`user-${name}`, clock.now())) === null);
      expect([name, granted.filter(Boolean).length, granted.at(-1)]).toEqual([name, CODE_SENDS_PER_HOUR, false]);
      clock.advanceMinutes(61);
      expect([name, await budget.take(`user-${name}`, clock.now())]).toEqual([name, null]);
    }
  });

  it('a lapsed claim is reaped as one failure on both (the count reads inflight before it is zeroed)', async () => {
    const policy = { ...DEFAULT_POLICY, updatedAt: new Date(0) };
    for (const [name, source] of sources) {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const repo = source.getRepository(TwoFactorAttemptsEntity);
      const attempts = new AttemptsService(repo, clock);
      const user = `reap-${name}`;
      await attempts.claim(user, policy);
      await attempts.claim(user, policy);
      clock.advanceSeconds(31);
      await attempts.claim(user, policy);
      const row = await repo.findOneBy({ userId: user });
      expect([name, row?.failures, row?.inflight]).toEqual([name, 2, 1]);
    }
  });

  it('the sign-in throttle counts and delays the same on both: five free tries, then 1, 2, 4... seconds', async () => {
    for (const [name, source] of sources) {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const repo = source.getRepository(LoginThrottleEntity);
      const throttle = new LoginThrottleService(repo, new KeyedHasher(randomBytes(32)), clock);
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        const claim = await throttle.claim(`${name}@example.com`, null, async () => false);
        const blocked = (await repo.findOneBy({ throttleKey: claim.account! }))!.blockedUntil;
        const wait = blocked ? (blocked.getTime() - clock.now().getTime()) / 1000 : 0;
        waits.push(wait);
        if (i < 7) clock.advanceSeconds(wait);
      }
      expect([name, waits]).toEqual([name, [0, 0, 0, 0, 1, 2, 4, 8]]);
      const refused = await throttle.claim(`${name}@example.com`, null, async () => false).catch((e: unknown) => e);
      expect([name, refused]).toMatchObject([name, { code: 'RATE_LIMITED', details: { retryAfterSeconds: 8 } }]);
    }
  });
});
