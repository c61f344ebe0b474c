import { ManualClock } from '@app/clock';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryDatabase } from '../../../test/support/memory-database';
import { TwoFactorCodeSendsEntity } from './entities/two-factor-code-sends.entity';
import { CODE_SENDS_PER_HOUR, SendBudget } from './send-budget.service';

/** The hourly budget of sent codes, on the in-memory database: ten an hour per user. */
describe('SendBudget', () => {
  const START = Date.UTC(2026, 0, 1, 12);
  let source: DataSource;
  let repo: Repository<TwoFactorCodeSendsEntity>;
  let clock: ManualClock;
  let budget: SendBudget;
  let user: string;
  let n = 0;
  const at = (ms: number) => new Date(START + ms);

  beforeAll(async () => {
    source = await memoryDatabase([TwoFactorCodeSendsEntity]);
    repo = source.getRepository(TwoFactorCodeSendsEntity);
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    clock = new ManualClock(START);
    budget = new SendBudget(repo, clock);
    user = `user-${++n}`;
  });

  it('is ten codes an hour', () => {
    expect(CODE_SENDS_PER_HOUR).toBe(10);
  });

  it('grants ten sends in the hour, refuses the eleventh until the hour since the first is over', async () => {
    expect(await budget.hourlyAvailableAt(user)).toBeNull();
    for (let i = 0; i < 10; i++) {
      expect(await budget.take(user, at(i * 60_000))).toBeNull();
      clock.set(at(i * 60_000));
      expect(await budget.hourlyAvailableAt(user)).toEqual(i < 9 ? null : at(3_600_000));
    }
    expect(await repo.findOneBy({ userId: user })).toEqual({ userId: user, windowStartedAt: at(0), windowCount: 10 });
    expect(await budget.take(user, at(3_600_000 - 1))).toEqual({ availableAt: at(3_600_000) });
    clock.set(at(3_600_000 - 1));
    expect(await budget.hourlyAvailableAt(user)).toEqual(at(3_600_000));
    clock.set(at(3_600_000));
    expect(await budget.hourlyAvailableAt(user)).toBeNull();
    // A new hour starts with this send.
    expect(await budget.take(user, at(3_600_000))).toBeNull();
    expect(await repo.findOneBy({ userId: user })).toEqual({ userId: user, windowStartedAt: at(3_600_000), windowCount: 1 });
  });

  it('a send given back can be taken again, and the count never goes below zero', async () => {
    for (let i = 0; i < 10; i++) await budget.take(user, at(0));
    await budget.giveBack(user);
    expect((await repo.findOneBy({ userId: user }))!.windowCount).toBe(9);
    expect(await budget.take(user, at(1000))).toBeNull();
    expect(await budget.take(user, at(1000))).toEqual({ availableAt: at(3_600_000) });
    await repo.update({ userId: user }, { windowCount: 0 });
    await budget.giveBack(user);
    expect((await repo.findOneBy({ userId: user }))!.windowCount).toBe(0);
  });

  it('each user has a budget of their own', async () => {
    for (let i = 0; i < 10; i++) await budget.take(user, at(0));
    expect(await budget.take(`${user}-other`, at(0))).toBeNull();
    await budget.giveBack(`${user}-other`);
    expect((await repo.findOneBy({ userId: user }))!.windowCount).toBe(10);
  });

  it('a row that cannot be created sends nothing (a second later, try again) after two rounds', async () => {
    let updates = 0;
    const noRow = { createQueryBuilder: () => ({ update: () => (updates++, noRowQuery), insert: () => noRowQuery }), findOneBy: async () => null };
    const noRowQuery: Record<string, unknown> = {};
    for (const step of ['set', 'where', 'setParameters', 'values', 'updateEntity']) noRowQuery[step] = () => noRowQuery;
    noRowQuery.execute = async () => ({ affected: 0 });
    const stuck = new SendBudget(noRow as never, clock);
    expect(await stuck.take(user, at(0))).toEqual({ availableAt: at(1000) });
    expect(updates).toBe(2);
  });

  it('a refused send whose row shows room (a race) is told to retry in a second', async () => {
    const row = { userId: user, windowStartedAt: at(0), windowCount: 3 };
    const query: Record<string, unknown> = {};
    for (const step of ['update', 'set', 'where', 'setParameters']) query[step] = () => query;
    query.execute = async () => ({ affected: 0 });
    const racing = new SendBudget({ createQueryBuilder: () => query, findOneBy: async () => row } as never, clock);
    expect(await racing.take(user, at(0))).toEqual({ availableAt: at(1000) });
  });

  it('the hourly wait is the user\'s own, even when the only other row is at its cap', async () => {
    const alone = await memoryDatabase([TwoFactorCodeSendsEntity]);
    try {
      const own = new SendBudget(alone.getRepository(TwoFactorCodeSendsEntity), clock);
      for (let i = 0; i < 10; i++) await own.take('capped', at(0));
      expect(await own.hourlyAvailableAt('capped')).toEqual(at(3_600_000));
      expect(await own.hourlyAvailableAt('someone-else')).toBeNull();
    } finally {
      await alone.destroy();
    }
  });
});
