import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from './concurrency-limit';

/** A task that runs until `finish` is called, and records that it started. */
function gate(started: number[], id: number) {
  let finish!: (value: number) => void;
  let fail!: (error: Error) => void;
  const task = () => {
    started.push(id);
    return new Promise<number>((resolve, reject) => ((finish = resolve), (fail = reject)));
  };
  return { task, finish: () => finish(id), fail: () => fail(new Error(`task ${id} failed`)) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, the others in the order they came, each as a slot frees', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const gates = [1, 2, 3, 4, 5].map((id) => gate(started, id));
    const results = gates.map((g) => limit.run(g.task));
    await settle();
    expect(started).toEqual([1, 2]);
    expect(limit.load).toEqual({ running: 2, waiting: 3 });

    gates[1].finish();
    await settle();
    expect(started).toEqual([1, 2, 3]);
    expect(limit.load).toEqual({ running: 2, waiting: 2 });

    // A failed task frees its slot too, and its caller gets the error.
    gates[0].fail();
    await expect(results[0]).rejects.toThrow('task 1 failed');
    await settle();
    expect(started).toEqual([1, 2, 3, 4]);

    gates[2].finish();
    gates[3].finish();
    await settle();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(limit.load).toEqual({ running: 1, waiting: 0 });
    gates[4].finish();
    expect(await Promise.all(results.slice(1))).toEqual([2, 3, 4, 5]);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('a task that throws before it returns a promise frees its slot', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => { throw new Error('at once'); })).rejects.toThrow('at once');
    expect(await limit.run(async () => 'next')).toBe('next');
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new ConcurrencyLimit(bad)).toThrow(new RangeError(`ConcurrencyLimit: ${bad} is not a whole number of at least 1`));
    }
  });
});
