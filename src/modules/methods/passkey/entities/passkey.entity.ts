import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, DigestColumn, IdColumn, NullableDateColumn } from '../../../../database/columns';

/**
 * A registered passkey or security key (a WebAuthn credential). Nothing
 * here is secret: the private key never leaves the authenticator, and no
 * attestation is kept (none is asked for, so nothing identifies the device).
 */
@Entity('passkeys')
@Index('IDX_passkeys_user', ['userId', 'createdAt'])
export class PasskeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @IdColumn()
  userId: string;

  /** The credential id, base64url (up to 1023 bytes by the spec). */
  @Column({ type: 'varchar', length: 1400 })
  credentialId: string;

  /** SHA-256 of credentialId (hex): the unique, indexed key a response is looked up by. */
  @Index('UQ_passkeys_credential', { unique: true })
  @DigestColumn()
  credentialDigest: string;

  /** The COSE public key, base64url. */
  @Column({ type: 'varchar', length: 2048 })
  publicKey: string;

  /** The authenticator's signature counter (0 for those that keep none). */
  @Column({ type: 'bigint', transformer: { to: (value: number) => value, from: (value: string | number) => Number(value) } })
  signCount: number;

  /** Comma-separated AuthenticatorTransport values the browser reported (usb, nfc, ble, hybrid, internal). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  transports: string | null;

  /** The authenticator's model (all zeros when it does not say). */
  @Column({ type: 'varchar', length: 36 })
  aaguid: string;

  /** Backup eligible: a synced (multi-device) passkey. */
  @Column({ type: 'boolean' })
  backupEligible: boolean;

  /** Backed up, as last reported. */
  @Column({ type: 'boolean' })
  backedUp: boolean;

  /** The authenticator verified the user (PIN, biometrics) at registration: it can stand for both factors. */
  @Column({ type: 'boolean' })
  userVerified: boolean;

  /** A discoverable (resident) credential, as the browser reported it (credProps) or a passwordless use proved; null: unknown. */
  @Column({ type: 'boolean', nullable: true })
  discoverable: boolean | null;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @DateColumn()
  createdAt: Date;

  @NullableDateColumn()
  lastUsedAt: Date | null;
}
