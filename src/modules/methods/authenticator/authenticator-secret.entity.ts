import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';

/** A user's confirmed authenticator app: the TOTP secret, sealed, and the last time step used. */
@Entity('authenticator_secrets')
export class AuthenticatorSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  /** SecretSealer output with context `totp:<userId>`: useless if copied to another row. */
  @Column({ type: 'varchar', length: 255 })
  sealedSecret: string;

  /** The newest accepted RFC 6238 step: a code of this step or older is refused (§5.2). */
  @Column({ type: 'int', nullable: true })
  lastUsedStep: number | null;

  @DateColumn()
  createdAt: Date;
}
