import { describe, expect, it } from 'vitest';
import { addDays, addMinutes, ManualClock, secondsUntil, SystemClock } from './index';

describe('clock', () => {
  it('manual clock moves only when told', () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advanceMinutes(5);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:05:00.000Z');
    clock.advanceSeconds(1);
    clock.set(0);
    expect(clock.now().getTime()).toBe(0);
  });

  it('system clock follows real time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
  });

  it('date helpers', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    expect(addMinutes(t, 30).toISOString()).toBe('2026-01-01T00:30:00.000Z');
    expect(addDays(t, 90).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(secondsUntil(addMinutes(t, 5), t)).toBe(300);
    expect(secondsUntil(new Date(t.getTime() + 1), t)).toBe(1);
    expect(secondsUntil(t, addMinutes(t, 1))).toBe(0);
  });
});
