import { Clock } from '@app/clock';
import { exportHashingKey, hashingKeyFromSecret, importHashingKey, KeyedHasher, newHashingKey, SecretSealer } from '@app/crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, In, IsNull, Not, Repository } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { isDuplicateKey } from '../../../database/insert-rows';
import { HashingKeyEntity } from './hashing-key.entity';
import { FIRST_KEY, OpenedRingRow, planKeyRing, RingPlan } from './key-ring';

export const hashingKeySealContext = (id: string): string => `hashing-key:${id}`;

/** Rounds of create/rotate before giving up (each round, another instance may have changed the ring). */
const MAX_ROUNDS = 5;

type StoredRingRow = OpenedRingRow & { sealedKey: string };

/**
 * The storage of KeyedHasher's keys (the `hashing_keys` table), sealed under
 * APP_SECRET. Loaded once at boot (KeyedHasher is an async provider):
 *
 * - no ring yet: it is created from the keys APP_SECRET and
 *   APP_SECRET_PREVIOUS gave until now, so every stored digest stays valid;
 * - APP_SECRET changed (the current key is sealed under a previous secret, or
 *   no secret given opens it): a new random key becomes current, the old one
 *   verifies only, and every readable key is sealed again under the new
 *   secret, so APP_SECRET_PREVIOUS is not needed for any of them.
 *
 * Several instances may boot at once: the primary key (creation: the first
 * key's id comes from APP_SECRET) and the unique `succeeds` column (rotation:
 * all name the same predecessor) let exactly one of them write; the others
 * read the ring again.
 */
@Injectable()
export class KeyRingService {
  private readonly logger = new Logger('KeyRing');

  constructor(
    private readonly dataSource: DataSource,
    private readonly sealer: SecretSealer,
    private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private get keys(): Repository<HashingKeyEntity> {
    return this.dataSource.getRepository(HashingKeyEntity);
  }

  /**
   * The hasher of the ring as it is now (created or rotated first when
   * needed). Before the migrations are applied (DATABASE_MIGRATE=false, the
   * release step still to run) there is no ring yet: the keys APP_SECRET
   * gives are the ones the ring will be created with, so they are used
   * meanwhile (readiness answers 503 until the migrations are in).
   */
  async load(): Promise<KeyedHasher> {
    try {
      return await this.loadRing();
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.logger.warn('The key ring does not exist yet (migrations not applied): using the keys APP_SECRET gives until a restart.');
      return new KeyedHasher(this.config.appSecret, this.config.previousAppSecrets);
    }
  }

  private async loadRing(): Promise<KeyedHasher> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = await this.open();
      const plan = planKeyRing(rows);
      if (plan.action === 'create') {
        await this.create();
        continue;
      }
      if (plan.action === 'rotate') {
        await this.rotate(plan);
        continue;
      }
      for (const row of plan.reseal) await this.reseal(row as StoredRingRow);
      if (plan.unreadable.length > 0) {
        this.logger.warn(
          `${plan.unreadable.length} hashing key(s) cannot be opened with APP_SECRET or APP_SECRET_PREVIOUS (${plan.unreadable.join(', ')}): ` +
            'what they hashed (sessions, trusted devices, codes) no longer verifies.',
        );
      }
      return new KeyedHasher(plan.current, plan.verifyOnly);
    }
    throw new Error('The key ring kept changing while it was being loaded: is another instance rotating it in a loop?');
  }

  /** Every ring row as stored (for --reseal and the retention pass). */
  rows(): Promise<HashingKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Deletes retired keys (never the current one). Returns how many went. */
  async drop(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.keys.delete({ id: In(ids), retiredAt: Not(IsNull()) });
    const dropped = result.affected ?? 0;
    if (dropped > 0) this.logger.log(`Dropped ${dropped} retired hashing key(s) that nothing alive used: ${ids.join(', ')}`);
    return dropped;
  }

  private async open(): Promise<StoredRingRow[]> {
    const rows = await this.rows();
    return rows.map((row) => {
      let key = null;
      try {
        key = importHashingKey(row.id, Boolean(row.tagged), this.sealer.unseal(row.sealedKey, hashingKeySealContext(row.id)));
      } catch {
        // Sealed under a secret that is not given (or damaged): reported by load().
      }
      return { ...row, tagged: Boolean(row.tagged), key, sealedUnderCurrentSecret: key !== null && !this.sealer.needsReseal(row.sealedKey) };
    });
  }

  /** The first ring: the keys APP_SECRET and APP_SECRET_PREVIOUS gave before it. */
  private async create(): Promise<void> {
    const now = this.clock.now();
    const current = hashingKeyFromSecret(this.config.appSecret);
    const previous = this.config.previousAppSecrets.map(hashingKeyFromSecret).filter((key, i, all) => key.id !== current.id && all.findIndex((k) => k.id === key.id) === i);
    const rows: HashingKeyEntity[] = [
      { id: current.id, sealedKey: this.seal(current.id, exportHashingKey(current)), tagged: false, createdAt: now, retiredAt: null, succeeds: FIRST_KEY },
      // Retired "now": what they hashed before cannot be told apart from what the current key hashes, so they stay until a rotation.
      ...previous.map((key) => ({ id: key.id, sealedKey: this.seal(key.id, exportHashingKey(key)), tagged: false, createdAt: now, retiredAt: now, succeeds: null })),
    ];
    if (await this.writeOnce(async (keys) => keys.insert(rows))) {
      this.logger.log(`Created the key ring from APP_SECRET${previous.length ? ` and ${previous.length} previous secret(s)` : ''}`);
    }
  }

  /** APP_SECRET changed: a new random key becomes current; the one it replaces verifies only. */
  private async rotate(plan: Extract<RingPlan, { action: 'rotate' }>): Promise<void> {
    const now = this.clock.now();
    const key = newHashingKey();
    const won = await this.writeOnce(async (keys) => {
      await keys.insert({ id: key.id, sealedKey: this.seal(key.id, exportHashingKey(key)), tagged: true, createdAt: now, retiredAt: null, succeeds: plan.succeeds });
      if (plan.retire) await keys.update({ id: plan.retire, retiredAt: IsNull() }, { retiredAt: now });
    });
    if (won) {
      this.logger.log(`APP_SECRET changed: hashing key ${key.id} is now current${plan.retire ? `; ${plan.retire} only verifies what it hashed` : ''}`);
    }
  }

  /** A readable key still sealed under a previous APP_SECRET, sealed again under the current one (if nobody did meanwhile). */
  private async reseal(row: StoredRingRow): Promise<void> {
    await this.keys.update({ id: row.id, sealedKey: row.sealedKey }, { sealedKey: this.seal(row.id, exportHashingKey(row.key!)) });
  }

  private seal(id: string, material: string): string {
    return this.sealer.seal(material, hashingKeySealContext(id));
  }

  /** Runs the writes in one transaction; false when another instance got there first (a duplicate key), and the ring is read again. */
  private async writeOnce(write: (keys: Repository<HashingKeyEntity>) => Promise<unknown>): Promise<boolean> {
    try {
      await this.dataSource.transaction((manager) => write(manager.getRepository(HashingKeyEntity)));
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}

/** ER_NO_SUCH_TABLE (MySQL/MariaDB) or SQLite's "no such table". */
function isMissingTable(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number; message?: string } } | null)?.driverError;
  return driverError?.errno === 1146 || /no such table/i.test(String(driverError?.message ?? (error as Error | null)?.message ?? ''));
}
