import { SecretSealer, UnsealError } from '@app/crypto';
import { UpdateResult } from 'typeorm';

/**
 * Re-seal on use: a value sealed under a previous APP_SECRET is sealed again
 * under the current one and written back by `write`, a conditional UPDATE
 * that changes the row only where `sealed` is still the stored value (a
 * change made meanwhile wins). Returns what is stored now: the new value when
 * the UPDATE changed the row, else `sealed` (which still opens, or is
 * reported by whoever opens it).
 */
export async function resealOnUse(
  sealer: SecretSealer,
  sealed: string,
  context: string,
  write: (fresh: string) => Promise<UpdateResult>,
): Promise<string> {
  if (!sealer.needsReseal(sealed)) return sealed;
  let fresh: string;
  try {
    fresh = sealer.reseal(sealed, context);
  } catch (error) {
    if (error instanceof UnsealError) return sealed;
    throw error;
  }
  return ((await write(fresh)).affected ?? 0) > 0 ? fresh : sealed;
}
