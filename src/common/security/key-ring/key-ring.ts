import { addDays } from '@app/clock';
import { HashingKey } from '@app/crypto';

/**
 * The decisions of the key ring, apart from its storage (key-ring.service.ts)
 * so that they can be tested on their own.
 */

/** A stored ring row, as far as the decisions need it. */
export interface RingRow {
  id: string;
  tagged: boolean;
  createdAt: Date;
  retiredAt: Date | null;
  succeeds: string | null;
}

/** A ring row once this instance tried to open it. */
export interface OpenedRingRow extends RingRow {
  /** Null when neither APP_SECRET nor APP_SECRET_PREVIOUS opens it. */
  key: HashingKey | null;
  /** Sealed under the current APP_SECRET (false: under a previous one, or unreadable). */
  sealedUnderCurrentSecret: boolean;
}

/** `succeeds` of the ring's first current key. */
export const FIRST_KEY = 'first';

/**
 * A retired key is kept at least this long, whatever the tables say: an
 * instance that has not been restarted since the rotation may still hash
 * with it. A deployment restarts all its instances well within a day.
 */
export const RETIRED_KEY_MIN_DAYS = 1;

export type RingPlan =
  /** No ring yet: create it from APP_SECRET (current) and APP_SECRET_PREVIOUS (verify-only). */
  | { action: 'create' }
  /** APP_SECRET changed (the current key is sealed under an older secret, or cannot be opened): a new random key takes over. */
  | { action: 'rotate'; retire: string | null; succeeds: string }
  | {
      action: 'use';
      current: HashingKey;
      verifyOnly: HashingKey[];
      /** Readable keys still sealed under a previous APP_SECRET: seal them again under the current one. */
      reseal: OpenedRingRow[];
      /** Keys no secret given opens: what they hashed no longer verifies. */
      unreadable: string[];
    };

/** The current key: the one not retired (the newest, should there ever be two). */
export function currentRow<T extends RingRow>(rows: readonly T[]): T | null {
  return newest(rows.filter((row) => row.retiredAt === null));
}

/** What to do with the ring as this instance finds it. */
export function planKeyRing(rows: readonly OpenedRingRow[]): RingPlan {
  if (rows.length === 0) return { action: 'create' };
  const current = currentRow(rows);
  if (!current || !current.key || !current.sealedUnderCurrentSecret) {
    // Of several instances seeing the same ring, all name the same predecessor: the unique index lets one win.
    return { action: 'rotate', retire: current?.id ?? null, succeeds: (current ?? newest(rows))!.id };
  }
  const others = rows.filter((row) => row !== current);
  return {
    action: 'use',
    current: current.key,
    verifyOnly: others.flatMap((row) => (row.key ? [row.key] : [])),
    reseal: others.filter((row) => row.key && !row.sealedUnderCurrentSecret),
    unreadable: others.filter((row) => !row.key).map((row) => row.id),
  };
}

/** Whether anything that can still be verified was hashed under these keys (see KEYED_DIGEST_USES). */
export interface KeyUsage {
  /** Live rows with a plain (untagged) digest or salt. */
  untaggedAlive: boolean;
  /** Ids of the tagged keys that live rows name. */
  taggedAlive: ReadonlySet<string>;
}

/**
 * The retired keys that nothing alive can have used: tagged keys whose id no
 * live row names; untagged keys once no live row is untagged, which can only
 * be told while the current key is tagged (an untagged current key makes
 * untagged digests too). Never the current key, never within
 * RETIRED_KEY_MIN_DAYS of its retirement.
 */
export function retiredKeysToDrop(rows: readonly RingRow[], usage: KeyUsage, now: Date): string[] {
  const current = currentRow(rows);
  const settled = addDays(now, -RETIRED_KEY_MIN_DAYS);
  return rows
    .filter((row) => row !== current && row.retiredAt !== null && row.retiredAt <= settled)
    .filter((row) => (row.tagged ? !usage.taggedAlive.has(row.id) : current?.tagged === true && !usage.untaggedAlive))
    .map((row) => row.id);
}

function newest<T extends RingRow>(rows: readonly T[]): T | null {
  let best: T | null = null;
  for (const row of rows) {
    if (!best || row.createdAt > best.createdAt || (row.createdAt.getTime() === best.createdAt.getTime() && row.id > best.id)) best = row;
  }
  return best;
}
