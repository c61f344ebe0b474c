import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, NullableDateColumn } from '../../../database/columns';

/**
 * The key ring of KeyedHasher (envelope encryption): each row is one
 * generation of HMAC keys, sealed under APP_SECRET. A rotation of APP_SECRET
 * re-seals these rows and adds a new current key; it never has to re-hash
 * what the older keys hashed, and it leaves nothing that needs the previous
 * APP_SECRET. Exactly one row is current (retiredAt NULL); the others only
 * verify, until nothing they hashed is alive.
 */
@Entity('hashing_keys')
export class HashingKeyEntity {
  /** Tagged keys: 8 hex characters, written into their digests and salts; untagged: `secret-<8 hex>`. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  /** exportHashingKey(), sealed with SecretSealer (context `hashing-key:<id>`). */
  @Column({ type: 'text' })
  sealedKey: string;

  /** Whether the key's digests and salts carry its id (false: the keys derived from an APP_SECRET before the ring). */
  @Column({ type: 'boolean' })
  tagged: boolean;

  @DateColumn()
  createdAt: Date;

  /** When it stopped being the current key (NULL: it is the current key). */
  @NullableDateColumn()
  retiredAt: Date | null;

  /**
   * The key this one took over from as current ('first' for the ring's first
   * key; NULL for a verify-only key imported from APP_SECRET_PREVIOUS).
   * Unique: of several instances rotating the ring at once, one wins.
   */
  @Index('UQ_hashing_keys_succeeds', { unique: true })
  @Column({ type: 'varchar', length: 16, nullable: true })
  succeeds: string | null;
}
