import { Clock } from '@app/clock';
import { SecretSealer, UnsealError } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, ObjectLiteral, Repository } from 'typeorm';
import { currentRow, retiredKeysToDrop } from '../../common/security/key-ring/key-ring';
import { KeyRingService } from '../../common/security/key-ring/key-ring.service';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { TwofoldExtensions } from '../../extensions/twofold-extension';
import { KEYED_DIGEST_COLUMNS, KeyedDigestColumn, SEALED_COLUMNS, SealedColumn } from './secret-stores';

/** Rows re-sealed per SELECT: short statements, each UPDATE one row. */
const BATCH_SIZE = 200;

export interface SealedColumnReport {
  label: string;
  /** Sealed again under the current APP_SECRET by this run. */
  resealed: number;
  /** Still sealed under a secret of APP_SECRET_PREVIOUS (changed while the run went by it). */
  underPrevious: number;
  /** Sealed under a secret that neither APP_SECRET nor APP_SECRET_PREVIOUS holds: lost unless that secret is given back. */
  unreadable: number;
}

/** Live rows hashed under keys from before the last rotation of APP_SECRET. */
export interface HashedUnderRetiredKeys {
  label: string;
  count: number;
  users: number;
  /** When the last of them expires; null: until used or regenerated (backup codes). */
  until: Date | null;
}

export interface ResealReport {
  sealed: SealedColumnReport[];
  hashed: HashedUnderRetiredKeys[];
  /**
   * Keys of APP_SECRET_PREVIOUS put in the ring when it was created, while
   * the current key is still the one APP_SECRET gave then: what they hashed
   * cannot be told from what the current key hashes, so they are kept until
   * the next rotation of APP_SECRET.
   */
  indistinctRetiredKeys: number;
  droppedKeys: number;
  /** Retired keys left in the ring. */
  retiredKeys: number;
}

/**
 * Re-keying what is stored so that it can outlive a rotation of APP_SECRET:
 * `--reseal` (every sealed value under the current secret, batch by batch,
 * each row with a conditional UPDATE) and the key ring's housekeeping
 * (dropping retired hashing keys nothing alive used; also run by retention).
 */
@Injectable()
export class SecretsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sealer: SecretSealer,
    private readonly keyRing: KeyRingService,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Re-seals every sealed secret under the current APP_SECRET and says what still depends on earlier secrets. Records SECRETS_RESEALED (no actor). */
  async reseal(): Promise<ResealReport> {
    const sealed: SealedColumnReport[] = [];
    for (const column of [...SEALED_COLUMNS, ...TwofoldExtensions.sealedColumns()]) sealed.push(await this.resealColumn(column));
    const droppedKeys = await this.dropUnusedKeys();
    const rows = await this.keyRing.rows();
    const current = currentRow(rows);
    const retiredKeys = rows.filter((row) => row !== current).length;
    const indistinct = current && !current.tagged ? retiredKeys : 0;
    const hashed = current?.tagged && retiredKeys > 0 ? await this.hashedUnderRetiredKeys(current.id) : [];
    const sum = (pick: (r: SealedColumnReport) => number) => sealed.reduce((total, r) => total + pick(r), 0);
    await this.events.publish({
      type: SecurityEventType.SECRETS_RESEALED,
      details: {
        resealed: sum((r) => r.resealed),
        underPrevious: sum((r) => r.underPrevious),
        unreadable: sum((r) => r.unreadable),
        droppedKeys,
        retiredKeys,
      },
    });
    return { sealed, hashed, indistinctRetiredKeys: indistinct, droppedKeys, retiredKeys };
  }

  /**
   * Drops the retired hashing keys that nothing alive can have used (see
   * retiredKeysToDrop). Returns how many went.
   */
  async dropUnusedKeys(): Promise<number> {
    const rows = await this.keyRing.rows();
    const now = this.clock.now();
    // The keys that could go if nothing used them; only those are looked up.
    const candidates = rows.filter((row) => retiredKeysToDrop(rows, { untaggedAlive: false, taggedAlive: new Set() }, now).includes(row.id));
    if (candidates.length === 0) return 0;
    const taggedAlive = new Set<string>();
    for (const row of candidates) if (row.tagged && (await this.anyAlive(row.id, now))) taggedAlive.add(row.id);
    const untaggedAlive = candidates.some((row) => !row.tagged) ? await this.anyAlive(null, now) : true;
    return this.keyRing.drop(retiredKeysToDrop(rows, { untaggedAlive, taggedAlive }, now));
  }

  private async resealColumn(spec: SealedColumn): Promise<SealedColumnReport> {
    const repository = this.dataSource.getRepository(spec.entity);
    const pk = repository.metadata.primaryColumns[0];
    const column = repository.metadata.findColumnWithPropertyName(spec.column)!;
    let resealed = 0;
    let after: unknown = undefined;
    for (;;) {
      const query = this.notUnderCurrentSecret(repository, spec.column);
      if (after !== undefined) query.andWhere(`row.${pk.propertyName} > :after`, { after });
      const rows = await query.orderBy(`row.${pk.propertyName}`, 'ASC').limit(BATCH_SIZE).getMany();
      for (const row of rows) {
        const old = row[spec.column] as string;
        let fresh: string;
        try {
          fresh = this.sealer.reseal(old, spec.context(row));
        } catch (error) {
          if (error instanceof UnsealError) continue; // counted below
          throw error;
        }
        // Only where the value is still the one read: a change made meanwhile wins.
        const result = await repository
          .createQueryBuilder()
          .update()
          .set({ [spec.column]: fresh })
          .where(`${pk.databaseName} = :id`, { id: row[pk.propertyName] })
          .andWhere(`${column.databaseName} = :old`, { old })
          .execute();
        resealed += result.affected ?? 0;
      }
      if (rows.length < BATCH_SIZE) break;
      after = rows[rows.length - 1][pk.propertyName];
    }
    // What is left, by the key it names (characters 4 to 11 of "v1.<key id>.…").
    const left: Array<{ keyId: string | null; count: string | number }> = await this.notUnderCurrentSecret(repository, spec.column)
      .select(`SUBSTR(row.${spec.column}, 4, 8)`, 'keyId')
      .addSelect('COUNT(*)', 'count')
      .groupBy('keyId')
      .getRawMany();
    let underPrevious = 0;
    let unreadable = 0;
    for (const { keyId, count } of left) {
      if (keyId && this.sealer.hasKey(keyId)) underPrevious += Number(count);
      else unreadable += Number(count);
    }
    return { label: spec.label, resealed, underPrevious, unreadable };
  }

  private notUnderCurrentSecret(repository: Repository<ObjectLiteral>, property: string) {
    return repository
      .createQueryBuilder('row')
      .where(`row.${property} IS NOT NULL`)
      .andWhere(`row.${property} NOT LIKE :current`, { current: `${this.sealer.currentPrefix}%` });
  }

  /** Whether a live row names this tagged key (or, for null, carries an untagged digest or salt). */
  private async anyAlive(tag: string | null, now: Date): Promise<boolean> {
    for (const use of [...KEYED_DIGEST_COLUMNS, ...TwofoldExtensions.keyedDigests()]) {
      const query = this.liveRows(use, now);
      if (tag === null) query.andWhere(`row.${use.column} NOT LIKE '%.%'`);
      else query.andWhere(`row.${use.column} LIKE :tag`, { tag: `${tag}.%` });
      if (await query.getExists()) return true;
    }
    return false;
  }

  /** Per use, the live rows hashed under any key but the current (tagged) one. */
  private async hashedUnderRetiredKeys(currentId: string): Promise<HashedUnderRetiredKeys[]> {
    const now = this.clock.now();
    const out: HashedUnderRetiredKeys[] = [];
    for (const use of [...KEYED_DIGEST_COLUMNS, ...TwofoldExtensions.keyedDigests()]) {
      const query = this.liveRows(use, now)
        .andWhere(`row.${use.column} NOT LIKE :current`, { current: `${currentId}.%` })
        .select('COUNT(*)', 'count')
        .addSelect('COUNT(DISTINCT row.userId)', 'users');
      if (use.until) query.addSelect(`MAX(row.${use.until})`, 'until');
      const raw: { count: string | number; users: string | number; until?: unknown } | undefined = await query.getRawOne();
      out.push({ label: use.label, count: Number(raw?.count ?? 0), users: Number(raw?.users ?? 0), until: use.until ? toDate(raw?.until) : null });
    }
    return out;
  }

  private liveRows(use: KeyedDigestColumn, now: Date) {
    return this.dataSource.getRepository(use.entity).createQueryBuilder('row').where(use.alive, { now });
  }
}

/** A MAX() of a date column: a Date from MySQL, 'YYYY-MM-DD HH:MM:SS.mmm' (UTC) from the embedded SQLite. */
function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value) return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return null;
}
