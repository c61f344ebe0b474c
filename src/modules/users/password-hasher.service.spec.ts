import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.service';

describe('PasswordHasher', () => {
  it('verifies what it hashed, refuses the rest, and answers false for an unknown user after a full verification', async () => {
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify(null, 'twofold-dummy-password-for-timing')).toBe(false);
    expect(await hasher.verify('not a hash', 'anything')).toBe(false);
  });

  it('runs at most one hash per core (four at most) at once; the others wait their turn', async () => {
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    const stored = await hasher.hash('correct horse battery staple');
    const limit = (hasher as unknown as { limit: { limit: number; load: { running: number; waiting: number } } }).limit;
    expect(limit.limit).toBe(Math.min(4, availableParallelism()));
    const all = Array.from({ length: limit.limit + 3 }, () => hasher.verify(stored, 'correct horse battery staple'));
    expect(limit.load).toEqual({ running: limit.limit, waiting: 3 });
    expect(await Promise.all(all)).toEqual(all.map(() => true));
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });
});
