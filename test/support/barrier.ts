/** Generous: only a guard against a hang when fewer calls arrive than expected (the test then fails on `arrived`). */
const HANG_GUARD_MS = 20_000;

export interface HeldMethod {
  /** How many calls ran the real method (and were held). */
  readonly arrived: number;
  /** Puts the real method back and lets any held call go on. */
  restore(): void;
}

/**
 * Makes a race run the same way every time: each call of `target[method]`
 * runs the real method, then waits until `count` calls have run it, then
 * all go on together. Put on the read that precedes a conditional write
 * (the unused backup codes, the last used TOTP step), it lets N racing
 * requests all read the state before any of them writes, so only the write's
 * own condition can keep more than one from winning.
 */
export function holdAfter<T extends object>(target: T, method: keyof T & string, count: number): HeldMethod {
  const holder = target as Record<string, unknown>;
  const original = holder[method] as (...args: unknown[]) => Promise<unknown>;
  if (typeof original !== 'function') throw new Error(`holdAfter: ${method} is not a method`);
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let guard: NodeJS.Timeout | null = null;
  const open = () => {
    if (guard) clearTimeout(guard);
    release();
  };
  holder[method] = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    arrived++;
    guard ??= setTimeout(open, HANG_GUARD_MS);
    if (arrived >= count) open();
    await released;
    return result;
  };
  return {
    get arrived() {
      return arrived;
    },
    restore() {
      holder[method] = original;
      open();
    },
  };
}
