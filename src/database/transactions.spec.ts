import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { inTransaction, isRetryableLockError, TRANSACTION_ATTEMPTS } from './transactions';

/** A DataSource whose transactions fail with these errors, in turn, then succeed. */
function flaky(errors: unknown[]) {
  const runs: string[] = [];
  const dataSource = {
    options: { type: 'mysql' },
    async transaction(isolation: string, work: (m: unknown) => Promise<unknown>) {
      runs.push(isolation);
      const error = errors.shift();
      if (error) throw error;
      return work({});
    },
  } as unknown as DataSource;
  return { dataSource, runs };
}

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { driverError: { errno: 1213 } });
const lockWait = () => Object.assign(new Error('Lock wait timeout exceeded'), { driverError: { errno: 1205 } });

describe('inTransaction', () => {
  it('runs READ COMMITTED and again after a deadlock or a lock-wait timeout', async () => {
    const { dataSource, runs } = flaky([deadlock(), lockWait()]);
    expect(await inTransaction(dataSource, async () => 'done')).toBe('done');
    expect(runs).toEqual(['READ COMMITTED', 'READ COMMITTED', 'READ COMMITTED']);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} runs, with the driver's error`, async () => {
    const errors = Array.from({ length: TRANSACTION_ATTEMPTS }, deadlock);
    const last = errors[errors.length - 1];
    const { dataSource, runs } = flaky(errors);
    await expect(inTransaction(dataSource, async () => 'done')).rejects.toBe(last);
    expect(runs).toHaveLength(TRANSACTION_ATTEMPTS);
  });

  it('never runs again after any other error (a duplicate key, a domain refusal)', async () => {
    const duplicate = Object.assign(new Error('Duplicate entry'), { driverError: { errno: 1062 } });
    const { dataSource, runs } = flaky([duplicate]);
    await expect(inTransaction(dataSource, async () => 'done')).rejects.toBe(duplicate);
    expect(runs).toHaveLength(1);
    expect(isRetryableLockError(new Error('no errno'))).toBe(false);
    expect(isRetryableLockError({ errno: 1213 })).toBe(true);
  });
});
