import { describe, expect, it } from 'vitest';
import { orderAssignments } from './conditional-update';

const keys = (set: Record<string, unknown>) => Object.keys(orderAssignments(set as never));

describe('orderAssignments', () => {
  it('puts every assignment that reads a column before the assignment of that column', () => {
    // failures is read by the two others: it must come last, whatever order it was given in.
    const order = keys({
      failures: () => 'CASE WHEN failures + 1 >= :max THEN 0 ELSE failures + 1 END',
      lockedUntil: () => 'CASE WHEN failures + 1 >= :max THEN :lockEnd ELSE lockedUntil END',
      cooldownUntil: () => 'CASE WHEN failures + 1 >= :cooldownFrom THEN :cooldownEnd ELSE cooldownUntil END',
      inflight: () => 'inflight - 1',
    });
    expect(order.indexOf('failures')).toBeGreaterThan(order.indexOf('lockedUntil'));
    expect(order.indexOf('failures')).toBeGreaterThan(order.indexOf('cooldownUntil'));
  });

  it('follows a chain, and leaves plain values and self-reads alone', () => {
    expect(keys({ c: 5, b: () => 'c + 1', a: () => 'b + a' })).toEqual(['a', 'b', 'c']);
    expect(keys({ x: 1, y: null })).toEqual(['x', 'y']);
  });

  it('does not mistake a :parameter or a longer name for a column', () => {
    expect(keys({ inflight: () => 'inflight + 1', inflightUntil: () => 'CASE WHEN inflightUntil > :inflight THEN inflightUntil ELSE :leaseUntil END' })).toEqual([
      'inflight',
      'inflightUntil',
    ]);
  });

  it('refuses assignments that read each other (no single MySQL UPDATE can keep both old values)', () => {
    expect(() => orderAssignments({ x: 1, a: () => 'b', b: () => 'a' })).toThrow(
      'conditionalUpdate: the assignments of a, b read each other; no order keeps the old values on MySQL',
    );
  });

  it('a plain value reads no column, whatever the columns are called', () => {
    expect(keys({ here: 1, was: () => 'here + 1' })).toEqual(['was', 'here']);
  });
});
